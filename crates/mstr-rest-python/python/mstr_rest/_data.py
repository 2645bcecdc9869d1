"""Report and cube extracts (``Query``) and the data ``push`` takes, as Arrow.

The rows never become Python objects: pages are fetched and decoded in Rust, in parallel,
into Arrow batches handed over through the Arrow PyCapsule interface. pyarrow, pandas and
polars are optional: each method imports what it needs and says what to install.
"""

from __future__ import annotations

import io
import itertools
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Union

from . import _core

if TYPE_CHECKING:  # pragma: no cover
    import pandas
    import polars
    import pyarrow

__all__ = ["Partition", "Query", "ipc_chunks"]

StrPath = Union[str, "os.PathLike[str]"]

#: Bytes handed to the core at a time when a whole IPC stream was written at once.
_CHUNK = 4 << 20


def _need(module: str, what: str, extra: str) -> Any:
    try:
        return __import__(module)
    except ImportError as e:
        raise ImportError(f"{what} needs {module}: pip install 'mstr-rest[{extra}]'") from e


def _import_table(pa: Any, exported: Any) -> "pyarrow.Table":
    # Through a RecordBatchReader, not pa.table(): pa.table() first asks whether the object
    # is a pandas DataFrame, which imports pandas (a quarter of a second and 50 MiB).
    from_stream = getattr(pa.RecordBatchReader, "from_stream", None)
    if from_stream is not None:  # pyarrow 15 and later
        return from_stream(exported).read_all()
    return pa.RecordBatchReader._import_from_c_capsule(exported.__arrow_c_stream__()).read_all()


class Query:
    """A report or cube extract. Nothing is sent until a method runs; each run opens a
    new instance on the server and returns the whole result or raises — never part of it.
    Ctrl-C interrupts a run."""

    __slots__ = ("_core",)

    def __init__(self, core: _core.Query) -> None:
        self._core = core

    def to_arrow(self) -> "pyarrow.Table":
        """The result as a ``pyarrow.Table`` (zero-copy from the Rust batches)."""
        pa = _need("pyarrow", "to_arrow()", "pyarrow")
        return _import_table(pa, self._core.collect())

    def to_pandas(self, **to_pandas_kwargs: Any) -> "pandas.DataFrame":
        """The result as a ``pandas.DataFrame`` (through pyarrow; keyword arguments go to
        ``pyarrow.Table.to_pandas``, with ``split_blocks`` and ``self_destruct`` on by
        default to keep the peak memory near one copy of the data)."""
        _need("pandas", "to_pandas()", "pandas")
        # The Arrow table is ours alone: each column's buffers are freed as it converts,
        # so the peak is about one copy of the data, not two.
        to_pandas_kwargs.setdefault("split_blocks", True)
        to_pandas_kwargs.setdefault("self_destruct", True)
        return self.to_arrow().to_pandas(**to_pandas_kwargs)

    def to_polars(self) -> "polars.DataFrame":
        """The result as a ``polars.DataFrame`` (pyarrow not needed)."""
        pl = _need("polars", "to_polars()", "polars")
        table = self._core.collect()
        try:
            # polars reads an __arrow_c_stream__ object as a frame (pl.from_arrow would
            # read it as one struct column)
            return pl.DataFrame(table)
        except (TypeError, ValueError):  # a polars without PyCapsule import: via pyarrow
            pa = _need("pyarrow", "to_polars() with this polars version", "pyarrow")
            return pl.from_arrow(_import_table(pa, table))

    def iter_batches(self) -> Iterator["pyarrow.RecordBatch"]:
        """The result one ``pyarrow.RecordBatch`` per page, in order, each fetched when
        asked for: bounded memory for results of any size."""
        pa = _need("pyarrow", "iter_batches()", "pyarrow")
        for batch in self._core.batches():
            yield pa.record_batch(batch)

    def to_csv(self, path: StrPath) -> int:
        """Writes the result as CSV (RFC 4180, a header line, raw metric values); returns
        the number of rows. A failure removes the file rather than leave part of it."""
        return self._core.to_csv(os.fspath(path))

    def to_parquet(self, path: StrPath, *, compression: str = "zstd") -> int:
        """Writes the result as Parquet (``compression``: zstd, snappy or none); returns
        the number of rows. A failure removes the file rather than leave part of it."""
        return self._core.to_parquet(os.fspath(path), compression)

    def partitions(self, n: int) -> "list[Partition]":
        """Opens one instance and splits it into at most ``n`` partitions of whole pages,
        for other processes (Spark, Ray, Dask, multiprocessing) to fetch: send each
        partition (picklable, or ``to_json()``) with the saved session (``session.json()``)
        and call ``partition.to_arrow(MSTRRESTSession.from_dict(...))`` there. Together
        they hold every row once; keep the session open until the workers are done."""
        return [Partition(text) for text in self._core.partitions(n)]

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        """Runs the extract and exports it: ``pyarrow.table(query)``, ``polars.from_arrow``,
        DuckDB and any other Arrow PyCapsule consumer read a ``Query`` directly."""
        return self._core.collect().__arrow_c_stream__(requested_schema)


class Partition:
    """A page range of one report instance (see :meth:`Query.partitions`)."""

    __slots__ = ("_json",)

    def __init__(self, json_text: str) -> None:
        self._json = json_text

    @classmethod
    def from_json(cls, text: str) -> "Partition":
        return cls(text)

    def to_json(self) -> str:
        return self._json

    def __reduce__(self):
        return (Partition, (self._json,))

    def __repr__(self) -> str:
        return f"Partition({self._json})"

    def to_arrow(self, session: Any) -> "pyarrow.Table":
        """This partition's rows as a ``pyarrow.Table``, fetched on ``session`` (the saved
        session of the one that opened the instance, restored here)."""
        pa = _need("pyarrow", "Partition.to_arrow()", "pyarrow")
        return _import_table(pa, session._session().partition_collect(self._json))

    def iter_batches(self, session: Any) -> Iterator["pyarrow.RecordBatch"]:
        """This partition's rows one ``pyarrow.RecordBatch`` per page."""
        pa = _need("pyarrow", "Partition.iter_batches()", "pyarrow")
        for batch in session._session().partition_batches(self._json):
            yield pa.record_batch(batch)


def _batch_reader(pa: Any, data: Any) -> "pyarrow.RecordBatchReader":
    if isinstance(data, pa.RecordBatchReader):
        return data
    if isinstance(data, pa.Table):
        return data.to_reader(max_chunksize=65536)
    if isinstance(data, pa.RecordBatch):
        return pa.RecordBatchReader.from_batches(data.schema, [data])
    module = type(data).__module__.split(".")[0]
    if module == "pandas":
        return pa.Table.from_pandas(data, preserve_index=False).to_reader(max_chunksize=65536)
    if hasattr(data, "__arrow_c_stream__"):
        return pa.table(data).to_reader(max_chunksize=65536)
    if hasattr(data, "__iter__"):
        batches = (_as_batch(pa, b) for b in data)
        try:
            first = next(batches)
        except StopIteration:
            raise ValueError("push() was given no batches; pass at least one (it may be empty)") from None
        return pa.RecordBatchReader.from_batches(first.schema, itertools.chain([first], batches))
    raise TypeError(
        f"push() takes a pyarrow Table/RecordBatch/RecordBatchReader, a pandas or polars "
        f"DataFrame, an Arrow PyCapsule object or an iterator of batches, not {type(data).__name__}"
    )


def _as_batch(pa: Any, item: Any) -> "pyarrow.RecordBatch":
    if isinstance(item, pa.RecordBatch):
        return item
    if type(item).__module__.split(".")[0] == "pandas":
        return pa.RecordBatch.from_pandas(item, preserve_index=False)
    return pa.record_batch(item)


def _polars_stream(frame: Any) -> Iterator[bytes]:
    if hasattr(frame, "collect") and not hasattr(frame, "write_ipc_stream"):
        frame = frame.collect()  # a LazyFrame
    buffer = io.BytesIO()
    frame.write_ipc_stream(buffer)
    view = buffer.getbuffer()
    for start in range(0, len(view), _CHUNK):
        yield bytes(view[start : start + _CHUNK])


def ipc_chunks(data: Any) -> Iterator[bytes]:
    """``data`` as Arrow IPC stream bytes, a batch at a time (what the core reads)."""
    if type(data).__module__.split(".")[0] == "polars" and (
        hasattr(data, "write_ipc_stream") or hasattr(data, "collect")
    ):
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            return _polars_stream(data)
    return _pyarrow_stream(data)


def _pyarrow_stream(data: Any) -> Iterator[bytes]:
    pa = _need("pyarrow", "push()", "pyarrow")
    reader = _batch_reader(pa, data)
    sink = io.BytesIO()

    def drain() -> bytes:
        out = sink.getvalue()
        sink.seek(0)
        sink.truncate()
        return out

    with pa.ipc.new_stream(sink, reader.schema) as writer:
        yield drain()
        for batch in reader:
            writer.write_batch(batch)
            yield drain()
    yield drain()
