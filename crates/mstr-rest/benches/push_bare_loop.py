"""Bare Python baseline for the push benchmark: the same upload with `requests` — a model,
an upload session, rows as base64 JSON chunks, publish, poll — and nothing else.

Usage: python push_bare_loop.py BASE_URL ROWS CHUNK_ROWS
Prints one line: rows seconds peak_rss_kib.
"""
import base64
import json
import resource
import sys
import time

import requests

PROJECT = "B19DEDCC11D4E0EFC000EB9495D0F44F"
base_url, rows, chunk = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
http = requests.Session()
login = http.post(base_url + "auth/login", json={"username": "dave", "password": "hellodave", "loginMode": 1})
login.raise_for_status()
http.headers.update({"X-MSTR-AuthToken": login.headers["X-MSTR-AuthToken"], "X-MSTR-ProjectID": PROJECT})

started = time.perf_counter()
model = {
    "name": "Bench",
    "tables": [{"name": "T", "columnHeaders": [
        {"name": "Id", "dataType": "INTEGER"}, {"name": "Name", "dataType": "STRING"},
        {"name": "Revenue", "dataType": "DOUBLE"}]}],
    "attributes": [{"name": n, "attributeForms": [{"category": "ID", "expressions": [{"formula": f"T.{n}"}]}]} for n in ("Id", "Name")],
    "metrics": [{"name": "Revenue", "dataType": "number", "expressions": [{"formula": "T.Revenue"}]}],
}
dataset = http.post(base_url + "datasets/models", json=model).json()["id"]
sid = http.post(f"{base_url}datasets/{dataset}/uploadSessions",
                json={"tables": [{"name": "T", "updatePolicy": "REPLACE", "orientation": "ROW"}]}).json()["uploadSessionId"]
for index, start in enumerate(range(0, rows, chunk), 1):
    data = [[i, f"n{i}", i * 0.5] for i in range(start, min(rows, start + chunk))]
    encoded = base64.b64encode(json.dumps(data, separators=(",", ":")).encode()).decode()
    http.put(f"{base_url}datasets/{dataset}/uploadSessions/{sid}",
             json={"tableName": "T", "index": index, "data": encoded}).raise_for_status()
http.post(f"{base_url}datasets/{dataset}/uploadSessions/{sid}/publish").raise_for_status()
while str(http.get(f"{base_url}datasets/{dataset}/uploadSessions/{sid}/publishStatus").json()["status"]) != "1":
    pass
elapsed = time.perf_counter() - started
print(rows, elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
