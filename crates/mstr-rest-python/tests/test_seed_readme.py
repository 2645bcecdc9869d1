"""The seed README's examples (mstr-rest-requests), the import the only change."""

from __future__ import annotations

import json

import pytest

from mstr_rest.requests import AuthenticatedMSTRRESTSession, MSTRRESTSession
from mstr_rest.requests.rest.exceptions import LoginFailureException


def test_quick_start(base_url):
    with AuthenticatedMSTRRESTSession(base_url=base_url, username="dave", password="hellodave") as session:
        projects = session.get("projects").json()
    assert "MicroStrategy Tutorial" in [p["name"] for p in projects]


def test_the_context_manager_logs_in_on_enter_and_out_on_exit(base_url, emulator):
    before = emulator.stats()
    with AuthenticatedMSTRRESTSession(base_url=base_url, username="dave", password="hellodave") as session:
        assert session.has_session()
        assert emulator.stats()["openSessions"] == before["openSessions"] + 1
    assert not session.has_session()
    assert emulator.stats()["openSessions"] == before["openSessions"]
    assert emulator.stats()["logouts"] == before["logouts"] + 1


def test_the_context_manager_logs_out_on_error_too(base_url, emulator):
    before = emulator.stats()["logouts"]
    with pytest.raises(ZeroDivisionError):
        with AuthenticatedMSTRRESTSession(base_url=base_url, username="dave", password="hellodave"):
            1 / 0
    assert emulator.stats()["logouts"] == before + 1


def test_standard_login(base_url):
    session = MSTRRESTSession(base_url=base_url)
    session.login(username="dave", password="hellodave")
    assert session.get_userinfo().json()["fullName"] == "Dave Bowman"


def test_identity_token_delegation(session, base_url):
    token = session.create_identity_token()
    other = MSTRRESTSession(base_url=base_url)
    other.delegate(identity_token=token)
    assert other.get_userinfo().json()["fullName"] == "Dave Bowman"


def test_api_key_as_the_seed_readme_writes_it(base_url, emulator):
    session = MSTRRESTSession(base_url=base_url)
    session.login(username="supersecretapikey")
    assert session.has_session()
    login = [r for r in emulator.requests() if r["path"].endswith("auth/login")][-1]
    assert json.loads(login["body"])["loginMode"] == 4096


def test_api_key_keyword(base_url):
    session = MSTRRESTSession(base_url=base_url)
    session.login(api_key="supersecretapikey")
    assert session.get_userinfo().json()["fullName"] == "Dave Bowman"


def test_anonymous(base_url, emulator):
    session = MSTRRESTSession(base_url=base_url)
    session.login()
    login = [r for r in emulator.requests() if r["path"].endswith("auth/login")][-1]
    assert json.loads(login["body"]) == {"loginMode": 8, "applicationType": 8}


def test_credential_callables_are_resolved_on_enter(base_url):
    calls = []

    def username():
        calls.append("username")
        return "dave"

    def password():
        calls.append("password")
        return "hellodave"

    session = AuthenticatedMSTRRESTSession(base_url=lambda: base_url, username=username, password=password)
    assert calls == []
    with session:
        assert calls == ["username", "password"]
        assert session.has_session()


def test_only_the_mode_used_is_resolved(base_url, session):
    """The seed resolved every callable, fetching secrets it would not use."""
    token = session.create_identity_token()

    def never():
        raise AssertionError("an unused credential was resolved")

    with AuthenticatedMSTRRESTSession(base_url=base_url, identity_token=lambda: token, username=never, password=never) as s:
        assert s.get_userinfo().json()["fullName"] == "Dave Bowman"


def test_session_handling(session):
    assert session.has_session() is True
    assert session.get_session_info().status_code == 200
    assert session.extend_session().status_code == 204
    assert session.get_userinfo().json()["fullName"] == "Dave Bowman"


def test_serialisation_and_restoration(session):
    data = session.json()
    restored = MSTRRESTSession.from_dict(json.loads(data))
    assert restored.get_session_info().ok
    assert restored.json() == data


def test_projects(session):
    session.load_projects()
    project_id = session.get_project_id("MicroStrategy Tutorial")
    assert project_id == "B19DEDCC11D4E0EFC000EB9495D0F44F"
    assert session.get_project_id("No Such Project") is None
    response = session.get("sessions/projectId", project_id=project_id)
    assert response.ok


def test_include_auth_false_sends_no_token(session, emulator):
    with pytest.raises(Exception):
        session.get("projects", include_auth=False)
    sent = emulator.requests()[-1]
    assert "x-mstr-authtoken" not in [name for name, _ in sent["headers"]]


def test_exceptions_import(base_url):
    session = MSTRRESTSession(base_url=base_url)
    with pytest.raises(LoginFailureException) as raised:
        session.login(username="dave", password="wrong")
    assert raised.value.code == "ERR003"
    assert not session.has_session()


def test_a_delegated_context_logs_out_unless_told_not_to(session, base_url, emulator):
    token = session.create_identity_token()
    with AuthenticatedMSTRRESTSession(base_url=base_url, identity_token=token, logout_on_exit=False):
        pass
    assert session.get_session_info().ok, "the shared server session is still open"
    before = emulator.stats()["logouts"]
    with AuthenticatedMSTRRESTSession(base_url=base_url, identity_token=session.create_identity_token()):
        pass
    assert emulator.stats()["logouts"] == before + 1
