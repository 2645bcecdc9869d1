"""Every exception class: raised for its error codes with what the server said, in the
seed's hierarchy, at both module paths."""

from __future__ import annotations

import socket

import pytest

import mstr_rest.exceptions as ours
from mstr_rest.requests import MSTRRESTSession
from mstr_rest.requests.rest import exceptions as seed_path

API_ERRORS = [
    ("ERR003", 401, "LoginFailureException"),
    ("ERR002", 500, "IServerException"),
    ("ERR0013", 500, "IServerException"),
    ("ERR004", 404, "ResourceNotFoundException"),
    ("ERR005", 400, "InvalidRequestException"),
    ("ERR006", 400, "InvalidRequestException"),
    ("ERR007", 400, "InvalidRequestException"),
    ("ERR009", 401, "SessionException"),
    ("ERR0014", 403, "InsufficientPrivilegesException"),
    ("ERR014", 403, "InsufficientPrivilegesException"),
    ("ERR0017", 403, "InsufficientPrivilegesException"),
    ("ERR0015", 409, "ObjectAlreadyExistsException"),
    ("ERR001", 500, "MSTRException"),
]


@pytest.mark.parametrize("code,status,name", API_ERRORS)
def test_each_error_code_raises_its_class(session, emulator, code, status, name):
    emulator.fault(path="projects", method="GET", respond={
        "status": status, "code": code, "message": "As the server put it", "iServerCode": -2147468903,
    })
    with pytest.raises(ours.MSTRException) as raised:
        session.get("projects")
    e = raised.value
    assert type(e).__name__ == name
    # A 403 goes out as servers spell it (ERR014, ERR017); both spellings map alike.
    sent = code.replace("ERR00", "ERR0") if status == 403 else code
    assert e.code == sent
    assert e.status_code == status
    assert e.message == "As the server put it"
    assert e.iserver_code == -2147468903
    assert e.iserver_message is None  # always set (the seed raised AttributeError)
    assert e.ticket_id  # the emulator sends one, as the server does
    assert str(e).startswith(f"{sent}: As the server put it.")


def test_an_error_without_a_code_is_unknown(session, emulator):
    emulator.fault(path="projects", method="GET", respond={"status": 418, "contentType": "text/html", "body": "<h1>teapot</h1>"})
    with pytest.raises(ours.MSTRUnknownException) as raised:
        session.get("projects")
    assert raised.value.code == "N/A"
    assert raised.value.status_code == 418


def test_the_hierarchy_is_the_seeds():
    for name in ["LoginFailureException", "IServerException", "ResourceNotFoundException",
                 "InvalidRequestException", "SessionException", "InsufficientPrivilegesException",
                 "ObjectAlreadyExistsException", "MSTRUnknownException", "ExecutionCancelledException"]:
        cls = getattr(seed_path, name)
        assert cls is getattr(ours, name)
        assert issubclass(cls, seed_path.MSTRException)
    assert issubclass(ours.MissingCredentialException, ours.LoginFailureException)
    assert issubclass(ours.MSTRConnectionError, ConnectionError)
    assert issubclass(ours.MSTRTimeoutError, TimeoutError)
    assert issubclass(ours.MSTRConfigError, ValueError)
    assert issubclass(ours.MSTRIOError, OSError)


def test_calls_before_login_raise_session_exception_without_sending(base_url, emulator):
    session = MSTRRESTSession(base_url=base_url)
    for call in (session.get_session_info, session.extend_session, session.get_userinfo,
                 session.get_projects, session.create_identity_token):
        with pytest.raises(ours.SessionException) as raised:
            call()
        assert raised.value.code == "N/A"
        assert raised.value.status_code is None
    assert emulator.requests() == []


def test_an_expired_session_is_a_session_exception(session, emulator):
    emulator.fault(path="sessions", expireSession=True)
    with pytest.raises(ours.SessionException) as raised:
        session.get_session_info()
    assert raised.value.code == "ERR009"


def test_a_refused_connection_is_a_connection_error():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed when the block ends: nothing listens there
    session = MSTRRESTSession(base_url=f"http://127.0.0.1:{port}/MicroStrategyLibrary/api/")
    with pytest.raises(ours.MSTRConnectionError) as raised:
        session.login(username="dave", password="hellodave")
    assert isinstance(raised.value, ConnectionError)


def test_a_slow_answer_is_a_timeout(base_url, emulator):
    emulator.fault(path="auth/login", delayMs=3000)
    session = MSTRRESTSession(base_url=base_url, timeout=0.2)
    with pytest.raises(ours.MSTRTimeoutError):
        session.login(username="dave", password="hellodave")


def test_bad_arguments_say_what_to_do(base_url, session):
    with pytest.raises(ours.MSTRConfigError, match="base_url is required"):
        MSTRRESTSession()
    with pytest.raises(ValueError, match="a password without a username"):
        MSTRRESTSession(base_url=base_url).login(password="x")
    with pytest.raises(ValueError, match="timeout must be a positive number"):
        MSTRRESTSession(base_url=base_url, timeout=float("nan"))
    with pytest.raises(TypeError, match="files"):
        session.post("datasets", files={"a": b"x"})
    with pytest.raises(ours.MSTRConfigError, match="project_id or project"):
        session.get("projects", project_id="X", project="Y")


def test_a_missing_credential_is_named(base_url):
    from mstr_rest.requests import AuthenticatedMSTRRESTSession

    with pytest.raises(ours.MissingCredentialException, match="password resolved to None"):
        with AuthenticatedMSTRRESTSession(base_url=base_url, username="dave", password=lambda: None):
            pass


def test_a_failing_credential_callable_is_wrapped(base_url):
    from mstr_rest.requests import AuthenticatedMSTRRESTSession

    def vault():
        raise KeyError("password")

    with pytest.raises(ours.CredentialException, match="resolving password failed: KeyError") as raised:
        with AuthenticatedMSTRRESTSession(base_url=base_url, username="dave", password=vault):
            pass
    assert isinstance(raised.value.__cause__, KeyError)
