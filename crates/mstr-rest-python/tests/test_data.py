"""Report and cube extracts: the same rows as the Rust library's, into every target."""

from __future__ import annotations

import json
import subprocess

import pytest

from conftest import CLI, CUBE, PROJECT, PROJECT_ID, REPORT_100K, REPORT_SMALL
from mstr_rest import exceptions

pa = pytest.importorskip("pyarrow")


def rust_rows(base_url: str, report: str, kind: str = "report") -> list[dict]:
    """The rows as the Rust library's ReportQuery::rows gives them (the mstr CLI's JSONL)."""
    out = subprocess.run(
        [str(CLI), "--base-url", base_url, "--username", "dave", kind, report,
         "--project", PROJECT, "--format", "jsonl"],
        env={"MSTR_PASSWORD": "hellodave", "PATH": "/usr/bin:/bin"},
        check=True, capture_output=True, text=True,
    )
    return [json.loads(line) for line in out.stdout.splitlines()]


def as_text(value):
    return None if value is None else str(value)


def test_a_100000_row_report_through_arrow_equals_the_rust_rows(session, base_url):
    table = session.report(REPORT_100K, project_id=PROJECT_ID).to_arrow()
    assert isinstance(table, pa.Table)
    assert table.num_rows == 100_000
    expected = rust_rows(base_url, REPORT_100K)
    assert len(expected) == 100_000
    columns = table.column_names
    assert sorted(columns) == sorted(expected[0])
    got = table.to_pylist()
    for i in (0, 1, 9_999, 10_000, 54_321, 99_999):  # page edges and the middle
        for name in columns:
            want, have = expected[i][name], got[i][name]
            if isinstance(want, float) or isinstance(have, float):
                assert have == pytest.approx(want), (i, name)
            else:
                assert as_text(have) == as_text(want), (i, name)
    # every row, one column of each kind
    assert [str(r["Row@ID"]) for r in got] == [r["Row@ID"] for r in expected]
    assert [r["Revenue"] for r in got] == [r["Revenue"] for r in expected]


def test_pandas_and_polars(session):
    query = session.report(REPORT_SMALL, project_id=PROJECT_ID)
    frame = query.to_pandas()
    assert len(frame) == 25
    pl = pytest.importorskip("polars")
    polars_frame = query.to_polars()
    assert isinstance(polars_frame, pl.DataFrame)
    assert polars_frame.shape == (25, len(frame.columns))
    assert polars_frame["Revenue"].to_list() == frame["Revenue"].tolist()


def test_iter_batches_is_the_whole_result_in_order(session):
    query = session.report(REPORT_100K, project_id=PROJECT_ID, page_size=7_000)
    batches = list(query.iter_batches())
    assert [b.num_rows for b in batches] == [7_000] * 14 + [2_000]
    joined = pa.Table.from_batches(batches)
    assert joined.equals(query.to_arrow())


def test_a_query_is_an_arrow_stream(session):
    table = pa.table(session.cube(CUBE, project_id=PROJECT_ID))
    assert table.num_rows == 30


def test_the_project_by_name(session):
    assert session.report(REPORT_SMALL, project=PROJECT).to_arrow().num_rows == 25


def test_to_csv_and_to_parquet(session, tmp_path, base_url):
    pq = pytest.importorskip("pyarrow.parquet")
    query = session.report(REPORT_SMALL, project_id=PROJECT_ID)
    assert query.to_csv(tmp_path / "r.csv") == 25
    lines = (tmp_path / "r.csv").read_text().splitlines()
    assert len(lines) == 26
    assert lines[0].split(",") == query.to_arrow().column_names
    assert query.to_parquet(tmp_path / "r.parquet") == 25
    assert pq.read_table(tmp_path / "r.parquet").equals(query.to_arrow())
    with pytest.raises(ValueError, match="compression"):
        query.to_parquet(tmp_path / "x.parquet", compression="lz5")


def test_a_failing_page_fails_the_whole_extract(session, emulator, tmp_path):
    query = session.report(REPORT_100K, project_id=PROJECT_ID, page_size=10_000)
    # The instance opens with a POST (which carries page 1); the pages after are GETs: the
    # fault fails one of them.
    emulator.fault(method="GET", respond={"status": 400, "code": "ERR006", "message": "bad page"}, times=1)
    with pytest.raises(exceptions.InvalidRequestException):
        query.to_arrow()
    emulator.fault(method="GET", respond={"status": 400, "code": "ERR006", "message": "bad page"}, times=1)
    target = tmp_path / "partial.csv"
    with pytest.raises(exceptions.InvalidRequestException):
        query.to_csv(target)
    assert not target.exists(), "a failed extract leaves no partial file"


def test_unknown_reports_and_bad_arguments(session):
    with pytest.raises(exceptions.ResourceNotFoundException):
        session.report("0" * 32, project_id=PROJECT_ID).to_arrow()
    with pytest.raises(ValueError, match="page_size"):
        session.report(REPORT_SMALL, project_id=PROJECT_ID, page_size=0)
    with pytest.raises(exceptions.MSTRConfigError, match="project_id"):
        session.report(REPORT_SMALL)


def _partition_to_arrow(args):
    """A worker process: restores the session, fetches its partition."""
    from mstr_rest import Partition
    from mstr_rest.requests import MSTRRESTSession as Restored

    saved, partition = args
    return Partition.from_json(partition).to_arrow(Restored.from_dict(json.loads(saved)))


def test_four_partitions_in_four_processes_equal_the_stream(session):
    import multiprocessing
    import pickle

    query = session.report(REPORT_100K, project_id=PROJECT_ID, page_size=10_000)
    parts = query.partitions(4)
    assert len(parts) == 4
    assert pickle.loads(pickle.dumps(parts[0])).to_json() == parts[0].to_json()
    saved = session.json()
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        tables = pool.map(_partition_to_arrow, [(saved, p.to_json()) for p in parts])
    joined = pa.concat_tables(tables)
    assert joined.num_rows == 100_000
    assert joined.equals(query.to_arrow())


def _fresh_session_lists_projects(base_url):
    """A forked worker: a session of its own, made after the fork."""
    from mstr_rest.requests import MSTRRESTSession as Fresh

    with Fresh(base_url=base_url) as fresh:
        fresh.login(username="dave", password="hellodave")
        return len(fresh.get_projects())


def test_a_forked_child_makes_sessions_on_a_transport_of_its_own(session, base_url):
    import multiprocessing

    # The parent's transport has a warm connection; a child forked now must not use it
    # (its connections belong to the parent's runtime), but build its own.
    assert session.get("sessions").status_code == 200
    with multiprocessing.get_context("fork").Pool(1) as pool:
        projects = pool.apply_async(_fresh_session_lists_projects, (base_url,)).get(timeout=60)
    assert projects == len(session.get_projects())
