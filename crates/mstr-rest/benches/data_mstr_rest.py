"""mstr_rest (this project's Python package) for the data benchmark: a report extract into
a pyarrow Table or a pandas DataFrame against the emulator.

Usage: python data_mstr_rest.py BASE_URL REPORT_ID PAGE_SIZE arrow|pandas
Prints one line: rows seconds peak_rss_kib.
"""
import resource
import sys
import time

import pyarrow  # noqa: F401  imported before the clock starts, as mstrio's pandas is

from mstr_rest.requests import MSTRRESTSession

PROJECT = "B19DEDCC11D4E0EFC000EB9495D0F44F"
base_url, report_id, page_size, mode = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
if mode == "pandas":
    import pandas  # noqa: F401
session = MSTRRESTSession(base_url=base_url)
session.login(username="dave", password="hellodave")
started = time.perf_counter()
query = session.report(report_id, project_id=PROJECT, page_size=page_size, concurrency=4)
rows = query.to_arrow().num_rows if mode == "arrow" else len(query.to_pandas())
elapsed = time.perf_counter() - started
session.logout()
print(rows, elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
