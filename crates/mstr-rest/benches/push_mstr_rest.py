"""mstr_rest (this project's Python package) for the push benchmark: a pandas DataFrame
pushed with `session.push` (model, upload session, chunks, publish, wait).

Usage: python push_mstr_rest.py BASE_URL ROWS CHUNK_ROWS
Prints one line: rows seconds peak_rss_kib.
"""
import resource
import sys
import time

import pandas as pd
import pyarrow  # noqa: F401

from mstr_rest.requests import MSTRRESTSession

PROJECT = "B19DEDCC11D4E0EFC000EB9495D0F44F"
base_url, rows, chunk = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
session = MSTRRESTSession(base_url=base_url)
session.login(username="dave", password="hellodave")
started = time.perf_counter()
frame = pd.DataFrame({"Id": range(rows), "Name": [f"n{i}" for i in range(rows)], "Revenue": [i * 0.5 for i in range(rows)]})
# polled as fast as the other clients poll (the Rust push every 1 ms, the Python loops
# without pausing), so the figure is the upload's
pushed = session.push(
    "Bench", "T", frame, project_id=PROJECT, key=["Id"], chunk_rows=chunk, publish_poll=(0.001, 0.001)
)
elapsed = time.perf_counter() - started
session.logout()
print(pushed["rows"], elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
