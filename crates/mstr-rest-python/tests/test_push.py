"""session.push: DataFrames and batches into datasets, read back from the server."""

from __future__ import annotations

import datetime

import pytest

from conftest import PROJECT_ID
from mstr_rest import exceptions

pa = pytest.importorskip("pyarrow")


def test_a_pandas_frame_is_pushed_and_read_back(session, emulator):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({
        "Region": ["North", "South", None],
        "Revenue": [1.5, 2.25, 3.0],
        "Units": [1, 2, 3],
        "Day": [datetime.date(2024, 1, 1), datetime.date(2024, 2, 29), None],
    })
    result = session.push("Sales", "SALES", frame, project_id=PROJECT_ID)
    assert result["rows"] == 3
    assert emulator.dataset_rows(result["dataset_id"], "SALES") == [
        ["North", 1.5, 1, "2024-01-01"],
        ["South", 2.25, 2, "2024-02-29"],
        [None, 3.0, 3, None],
    ]


def test_a_polars_frame_and_the_replace_policy(session, emulator):
    pl = pytest.importorskip("polars")
    first = session.push("Sales", "SALES", pl.DataFrame({"Id": [1, 2], "Name": ["a", "b"]}), project_id=PROJECT_ID)
    again = session.push(None, "SALES", pl.DataFrame({"Id": [3], "Name": ["c"]}), project_id=PROJECT_ID,
                         dataset_id=first["dataset_id"], policy="replace")
    assert again["dataset_id"] == first["dataset_id"]
    assert emulator.dataset_rows(first["dataset_id"], "SALES") == [[3, "c"]]


def test_batches_are_streamed_in_chunks(session, emulator):
    schema = pa.schema([("Id", pa.int64()), ("Name", pa.string())])

    def batches():
        for start in range(0, 50_000, 10_000):
            ids = list(range(start, start + 10_000))
            yield pa.record_batch([ids, [f"n{i}" for i in ids]], schema=schema)

    result = session.push("Big", "T", batches(), project_id=PROJECT_ID, chunk_rows=20_000)
    assert (result["rows"], result["chunks"]) == (50_000, 3)
    rows = emulator.dataset_rows(result["dataset_id"], "T")
    assert len(rows) == 50_000 and rows[49_999] == [49_999, "n49999"]


def test_a_failing_iterator_fails_the_push_with_its_own_exception(session, emulator):
    first = session.push("Sales", "SALES", pa.table({"Id": [1]}), project_id=PROJECT_ID)
    schema = pa.schema([("Id", pa.int64())])

    def broken():
        yield pa.record_batch([[2]], schema=schema)
        raise RuntimeError("the source database went away")

    with pytest.raises(RuntimeError, match="went away"):
        session.push(None, "SALES", broken(), project_id=PROJECT_ID, dataset_id=first["dataset_id"])
    assert emulator.dataset_rows(first["dataset_id"], "SALES") == [[1]], "the dataset keeps its rows"


def test_what_cannot_be_pushed_is_named(session):
    with pytest.raises(exceptions.MSTRConfigError, match='column "Blob" is Binary'):
        session.push("Bad", "T", pa.table({"Blob": [b"x"]}), project_id=PROJECT_ID)
    with pytest.raises(TypeError, match="push\\(\\) takes"):
        session.push("Bad", "T", 42, project_id=PROJECT_ID)
    with pytest.raises(ValueError, match="policy"):
        session.push("Bad", "T", pa.table({"a": [1]}), project_id=PROJECT_ID, policy="merge")
    with pytest.raises(exceptions.MSTRConfigError, match="key column"):
        session.push("Bad", "T", pa.table({"a": [1]}), project_id=PROJECT_ID, key=["b"])


def test_publish_poll_is_checked_and_used(session, emulator):
    for bad in [(-1, 2.0), (0.1, float("nan")), (0.1, float("inf"))]:
        with pytest.raises(ValueError, match="publish_poll"):
            session.push("Bad", "T", pa.table({"a": [1]}), project_id=PROJECT_ID, publish_poll=bad)
    result = session.push("Fast", "T", pa.table({"a": [1, 2]}), project_id=PROJECT_ID, publish_poll=(0.001, 0.001))
    assert emulator.dataset_rows(result["dataset_id"], "T") == [[1], [2]]
