"""mstrio-py baseline for the data benchmark: `Report(conn, id).to_dataframe()` against the
emulator (the calls it makes are listed in the mstr-rest-emulator crate docs).

Usage: python data_mstrio.py BASE_URL REPORT_ID PAGE_SIZE
Prints one line: rows seconds peak_rss_kib.
"""
import logging
import resource
import sys
import time

from mstrio.connection import Connection
from mstrio.project_objects import Report

logging.disable(logging.WARNING)
PROJECT = "B19DEDCC11D4E0EFC000EB9495D0F44F"
base_url, report_id, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
conn = Connection(base_url, "dave", "hellodave", project_id=PROJECT, login_mode=1, verbose=False)
started = time.perf_counter()
frame = Report(conn, report_id).to_dataframe(limit=limit)
elapsed = time.perf_counter() - started
conn.close()
print(len(frame), elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
