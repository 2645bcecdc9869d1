"""Throughput of the Python mstr-rest-requests against the same emulator.

Usage: python python_throughput.py BASE_URL CONCURRENCY REQUESTS
Prints one line: requests per second.
"""
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from mstr.requests import MSTRRESTSession

base_url, concurrency, total = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
session = MSTRRESTSession(base_url=base_url)
session.login(username="dave", password="hellodave")


def one(_):
    response = session.get("sessions")
    if response.status_code != 200:
        raise RuntimeError(f"unexpected status {response.status_code}")


with ThreadPoolExecutor(max_workers=concurrency) as pool:
    list(pool.map(one, range(min(total, 50))))  # warm the connection pool
    started = time.perf_counter()
    list(pool.map(one, range(total)))
    elapsed = time.perf_counter() - started
session.logout()
print(f"{total / elapsed:.1f}")
