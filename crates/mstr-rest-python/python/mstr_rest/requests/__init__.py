"""mstr-rest-requests' API on the Rust core: ``from mstr_rest.requests import
MSTRRESTSession, AuthenticatedMSTRRESTSession`` in place of ``from mstr.requests import …``."""

from .._data import Query
from .._response import Response
from .._session import AuthenticatedMSTRRESTSession, Credential, MSTRRESTSession

__all__ = ["AuthenticatedMSTRRESTSession", "Credential", "MSTRRESTSession", "Query", "Response"]
