"""mstr_rest: the MicroStrategy (Strategy) REST API on a Rust core.

* ``mstr_rest.requests`` — mstr-rest-requests' API (``MSTRRESTSession``,
  ``AuthenticatedMSTRRESTSession``, its exceptions and credential providers): change the
  import, keep the code.
* ``session.report(...)`` / ``session.cube(...)`` — extracts straight into pyarrow, pandas
  or polars, CSV or Parquet; ``session.push(...)`` — DataFrames into datasets.
"""

from . import exceptions
from ._core import __version__
from ._data import Partition, Query
from ._response import Headers, Response
from ._session import AuthenticatedMSTRRESTSession, Credential, MSTRRESTSession

__all__ = [
    "__version__",
    "AuthenticatedMSTRRESTSession",
    "Credential",
    "Headers",
    "MSTRRESTSession",
    "Partition",
    "Query",
    "Response",
    "exceptions",
]
