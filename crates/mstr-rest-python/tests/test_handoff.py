"""Sessions pass between mstr-rest-requests (the real one, from PyPI) and this package,
both ways, through the seed's json()/from_dict document."""

from __future__ import annotations

import json

import pytest

seed = pytest.importorskip("mstr.requests")

from mstr.requests.rest.exceptions import SessionException as SeedSessionException  # noqa: E402

from mstr_rest.exceptions import SessionException  # noqa: E402
from mstr_rest.requests import MSTRRESTSession  # noqa: E402


def test_a_seed_session_continues_here(base_url, emulator):
    theirs = seed.MSTRRESTSession(base_url=base_url)
    theirs.login(username="dave", password="hellodave")
    before = emulator.stats()["logins"]
    ours = MSTRRESTSession.from_dict(json.loads(theirs.json()))
    assert ours.has_session()
    assert ours.get_session_info().ok
    assert ours.get_userinfo().json()["fullName"] == "Dave Bowman"
    assert emulator.stats()["logins"] == before, "the same server session, no new login"
    ours.logout()  # ends the one server session both held
    with pytest.raises(SeedSessionException):
        theirs.get_session_info()


def test_a_session_from_here_continues_in_the_seed(base_url, emulator):
    ours = MSTRRESTSession(base_url=base_url)
    ours.login(username="dave", password="hellodave")
    before = emulator.stats()["logins"]
    theirs = seed.MSTRRESTSession.from_dict(json.loads(ours.json()))
    assert theirs.has_session()
    assert theirs.get_userinfo().json()["fullName"] == "Dave Bowman"
    assert theirs.extend_session().status_code == 204
    assert emulator.stats()["logins"] == before
    theirs.logout()
    with pytest.raises(SessionException) as raised:
        ours.get_session_info()
    assert raised.value.code == "ERR009"


def test_the_document_has_the_seeds_shape(session):
    document = json.loads(session.json())
    assert set(document) == {"base_url", "cookies", "headers"}
    assert "x-mstr-authtoken" in document["headers"]
    assert "JSESSIONID" in document["cookies"]
