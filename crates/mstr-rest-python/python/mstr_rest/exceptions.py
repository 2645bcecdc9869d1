"""The exceptions of ``mstr_rest``: the seed library's names and hierarchy
(``mstr.requests.rest.exceptions``), plus the failures the seed let escape as other types.

Every API error answer raises the class of its error code, carrying what the server said::

    MSTRException                      code, message, iserver_code, status_code, ticket_id
    ├── LoginFailureException          ERR003
    │   └── CredentialException        a secret source failed (AWS, Azure, GCP, a callable)
    │       └── MissingCredentialException   a credential resolved to None / was not found
    ├── IServerException               ERR002, ERR0013
    ├── ResourceNotFoundException      ERR004
    ├── InvalidRequestException        ERR005, ERR006, ERR007
    ├── SessionException               ERR009, and calls made before logging in
    ├── InsufficientPrivilegesException ERR0014, ERR0017
    ├── ObjectAlreadyExistsException   ERR0015
    ├── MSTRUnknownException           an error answer without a code
    ├── ExecutionCancelledException    (kept for the seed's imports; never raised)
    ├── MSTRConnectionError            also ConnectionError: the server could not be reached
    ├── MSTRTimeoutError               also TimeoutError: a timeout or a polling deadline
    ├── MSTRConfigError                also ValueError: a setting or argument is wrong
    ├── MSTRDecodeError                also ValueError: the server's answer is not what the API documents
    └── MSTRIOError                    also OSError: writing a file failed
"""

from __future__ import annotations

from typing import Any, Optional

__all__ = [
    "MSTRException",
    "LoginFailureException",
    "CredentialException",
    "MissingCredentialException",
    "IServerException",
    "ResourceNotFoundException",
    "InvalidRequestException",
    "SessionException",
    "InsufficientPrivilegesException",
    "ObjectAlreadyExistsException",
    "MSTRUnknownException",
    "ExecutionCancelledException",
    "MSTRConnectionError",
    "MSTRTimeoutError",
    "MSTRConfigError",
    "MSTRDecodeError",
    "MSTRIOError",
]


class MSTRException(Exception):
    """Base class of every mstr_rest failure.

    ``str(exc)`` is the whole message (``"ERR003: Login failure. [iServerCode -2147216959]"``);
    the attributes give its parts. Unlike the seed, every attribute is always set
    (``iserver_message`` included), ``None`` when the server did not send it.
    """

    def __init__(
        self,
        message: str = "",
        *,
        code: str = "N/A",
        server_message: Optional[str] = None,
        iserver_code: Optional[int] = None,
        status_code: Optional[int] = None,
        ticket_id: Optional[str] = None,
        sub_errors: Any = (),
        response: Any = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.code = code
        #: The server's own message (without the code), or the whole message.
        self.message = server_message if server_message is not None else message
        self.iserver_code = iserver_code
        #: Kept for the seed's readers; the numeric ``iserver_code`` is the reliable field.
        self.iserver_message = None
        self.status_code = status_code
        #: The ticket id to look the failure up in the server's logs.
        self.ticket_id = ticket_id
        #: The detailed causes some services list (``[{"code", "iserver_code", "message"}]``).
        self.sub_errors = list(sub_errors)
        #: The seed's attribute: the answer is read in Rust, so this is always ``None``.
        self.response = response
        for name, value in extra.items():
            setattr(self, name, value)


class LoginFailureException(MSTRException):
    """ERR003: the server refused the login."""


class CredentialException(LoginFailureException):
    """A credential could not be obtained (a secret store failed, a callable raised).

    ``source`` names the store (``aws-secretsmanager:prod/mstr#password``), never the value.
    """

    source: Optional[str] = None
    field: Optional[str] = None


class MissingCredentialException(CredentialException):
    """A credential resolved to ``None``, or the secret (or its field) does not exist."""


class IServerException(MSTRException):
    """ERR002, ERR0013: an Intelligence Server error, or the server is unreachable."""


class ResourceNotFoundException(MSTRException):
    """ERR004: the object, project or instance does not exist."""


class InvalidRequestException(MSTRException):
    """ERR005, ERR006, ERR007: missing or invalid input."""


class SessionException(MSTRException):
    """ERR009 (the session expired or is invalid), or a call needing a session before login."""


class InsufficientPrivilegesException(MSTRException):
    """ERR0014, ERR0017: the user lacks a privilege or permission."""


class ObjectAlreadyExistsException(MSTRException):
    """ERR0015: an object with that name already exists."""


class MSTRUnknownException(MSTRException):
    """An error answer without an error code (a proxy's page, an empty 502)."""


class ExecutionCancelledException(MSTRException):
    """Kept so the seed's imports work; never raised."""


class MSTRConnectionError(MSTRException, ConnectionError):
    """The server could not be reached, or closed the connection."""

    url: Optional[str] = None


class MSTRTimeoutError(MSTRException, TimeoutError):
    """A request timed out, or a job did not finish before its deadline."""

    url: Optional[str] = None


class MSTRConfigError(MSTRException, ValueError):
    """A setting or argument is wrong; the message says which and what to do."""


class MSTRDecodeError(MSTRException, ValueError):
    """The server answered with something the API does not document."""


class MSTRIOError(MSTRException, OSError):
    """Writing a local file (``to_csv``, ``to_parquet``) failed."""
