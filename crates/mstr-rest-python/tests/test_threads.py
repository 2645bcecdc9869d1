"""The GIL is released while the core works; Ctrl-C interrupts; threads and asyncio loops
never deadlock."""

from __future__ import annotations

import _thread
import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import PROJECT_ID, REPORT_100K, REPORT_SMALL

pa = pytest.importorskip("pyarrow")


def test_python_threads_run_while_an_extract_waits(session, emulator):
    # every page answer is held back 300 ms: the extract spends its time waiting
    emulator.fault(method="GET", delayMs=300, times=3)
    ticks = 0
    done = threading.Event()

    def count():
        nonlocal ticks
        while not done.is_set():
            ticks += 1

    counter = threading.Thread(target=count)
    counter.start()
    try:
        table = session.report(REPORT_100K, project_id=PROJECT_ID, page_size=20_000, concurrency=1).to_arrow()
    finally:
        done.set()
        counter.join()
    assert table.num_rows == 100_000
    # with the GIL held for the ~1 s of waiting, the counter would get only the
    # interpreter's switch slices between bytecodes of this thread
    assert ticks > 100_000


def test_many_threads_share_one_session(session):
    def extract(_):
        return session.report(REPORT_SMALL, project_id=PROJECT_ID).to_arrow().num_rows

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(extract, range(32))) == [25] * 32


def test_calls_from_inside_a_running_event_loop(session):
    async def main():
        here = session.report(REPORT_SMALL, project_id=PROJECT_ID).to_arrow().num_rows
        there = await asyncio.to_thread(lambda: session.get_userinfo().json()["fullName"])
        return here, there

    assert asyncio.run(main()) == (25, "Dave Bowman")


def test_ctrl_c_interrupts_a_long_extract(session, emulator):
    emulator.fault(method="GET", delayMs=30_000, times=1)
    query = session.report(REPORT_100K, project_id=PROJECT_ID, page_size=10_000)
    timer = threading.Timer(0.5, _thread.interrupt_main)
    started = time.monotonic()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        query.to_arrow()
    timer.cancel()
    assert time.monotonic() - started < 10, "the interrupt waited for the 30 s answer"
    # the session is still usable
    assert session.get_userinfo().ok
