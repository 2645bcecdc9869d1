"""Bare Python baseline for the data benchmark: download every page of a report from the
emulator with `requests` and only decode the JSON (no rows, no frames).

Usage: python data_bare_loop.py BASE_URL REPORT_ID PAGE_SIZE
Prints one line: rows seconds peak_rss_kib.
"""
import json
import resource
import sys
import time

import requests

PROJECT = "B19DEDCC11D4E0EFC000EB9495D0F44F"
base_url, report_id, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
http = requests.Session()
login = http.post(base_url + "auth/login", json={"username": "dave", "password": "hellodave", "loginMode": 1})
login.raise_for_status()
headers = {"X-MSTR-AuthToken": login.headers["X-MSTR-AuthToken"], "X-MSTR-ProjectID": PROJECT}
fields = "-data.metricValues.extras,-data.metricValues.formatted"

started = time.perf_counter()
first = http.post(
    f"{base_url}v2/reports/{report_id}/instances",
    params={"offset": 0, "limit": limit, "fields": fields},
    headers=headers,
    json={},
)
first.raise_for_status()
page = json.loads(first.content)
instance, paging = page["instanceId"], page["data"]["paging"]
rows, total = paging["current"], paging["total"]
while rows < total:
    resp = http.get(
        f"{base_url}v2/reports/{report_id}/instances/{instance}",
        params={"offset": rows, "limit": limit, "fields": fields},
        headers=headers,
    )
    resp.raise_for_status()
    page = json.loads(resp.content)
    current = page["data"]["paging"]["current"]
    if current == 0:
        raise RuntimeError("empty page")
    rows += current
elapsed = time.perf_counter() - started
http.post(base_url + "auth/logout", headers=headers)
print(rows, elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
