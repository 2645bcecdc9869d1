"""mstrio-py baseline for the push benchmark: `SuperCube(...).add_table(data_frame=...)` and
`create(auto_publish=False)` (its model, upload session and base64 chunks), then the publish
and its status polled here: mstrio's own publish loop compares the status with the integer
1, and the emulator sends the string "1" as the REST documentation shows, so mstrio's loop
would never end. One call after the upload is skipped (see below).

Usage: python push_mstrio.py BASE_URL ROWS CHUNK_ROWS
Prints one line: rows seconds peak_rss_kib.
"""
import logging
import resource
import sys
import time

import pandas as pd
from mstrio.api import datasets
from mstrio.connection import Connection
from mstrio.project_objects.datasets import SuperCube

logging.disable(logging.WARNING)
# After the upload mstrio reads the new cube's definition (GET cubes/{id}), which the
# emulator serves for its reports' cubes only: one small GET, skipped here.
SuperCube._get_definition = lambda self: None
PROJECT = "B19DEDCC11D4E0EFC000EB9495D0F44F"
base_url, rows, chunk = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
conn = Connection(base_url, "dave", "hellodave", project_id=PROJECT, login_mode=1, verbose=False)
started = time.perf_counter()
# the frame is the data the user has: built inside the clock, as the other clients' rows are
frame = pd.DataFrame({"Id": range(rows), "Name": [f"n{i}" for i in range(rows)], "Revenue": [i * 0.5 for i in range(rows)]})
cube = SuperCube(connection=conn, name="Bench")
cube.add_table(name="T", data_frame=frame, update_policy="replace")
cube.create(force=True, auto_publish=False, chunksize=chunk)
sid = cube._session_id
datasets.publish(connection=conn, id=cube.id, session_id=sid)
while str(datasets.publish_status(connection=conn, id=cube.id, session_id=sid).json()["status"]) != "1":
    pass
elapsed = time.perf_counter() - started
conn.close()
print(rows, elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
