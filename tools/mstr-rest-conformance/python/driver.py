"""The Python side of the differential conformance run: the scenarios, with mstr-rest-requests.

`mstr-conformance` starts this once and talks JSON lines over stdin/stdout:

    -> {"scenario": NAME, "base_url": URL, "input": TEXT or null}
    <- {"steps": [STEP, ...], "output": TEXT or null}

A STEP is {"step": NAME, "ok": true, "value": ...} or {"step": NAME, "ok": false, "kind": KIND,
"code": CODE or null, "status": N or null, "iserver_code": N or null}, where KIND is the name of
the mstr-rest `ApiErrorKind` the Python exception maps to (plus "NotLoggedIn" for the
library's client-side "no valid session" check). The Rust driver (rust_driver.rs) runs the
same scenarios, step for step, with mstr-rest. The first line written is a greeting naming the
versions in use.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import traceback
from importlib.metadata import version

import httpx

# mstr.requests (the seed, mstr-rest-requests) by default; mstr_rest.requests (this project's
# Python package, on the Rust core) when the runner says so: the same scenarios, either way.
LIBRARY = os.environ.get("MSTR_CONFORMANCE_LIBRARY", "mstr.requests")
_library = importlib.import_module(LIBRARY)
AuthenticatedMSTRRESTSession = _library.AuthenticatedMSTRRESTSession
MSTRRESTSession = _library.MSTRRESTSession
mstr_errors = importlib.import_module(LIBRARY + ".rest.exceptions")
# the seed's 2.x class for non-JSON errors; the package raises MSTRUnknownException for those
MSTRHTTPError = getattr(mstr_errors, "MSTRHTTPError", mstr_errors.MSTRUnknownException)

USER, PASSWORD, API_KEY = "dave", "hellodave", "supersecretapikey"
TUTORIAL = "MicroStrategy Tutorial"
UNKNOWN_PROJECT_ID = "00000000000000000000000000000000"

# Python exception -> mstr-rest ApiErrorKind. Subclasses before their bases.
KINDS = [
    (mstr_errors.LoginFailureException, "LoginFailure"),
    (mstr_errors.IServerException, "IServer"),
    (mstr_errors.ResourceNotFoundException, "ResourceNotFound"),
    (mstr_errors.InvalidRequestException, "InvalidRequest"),
    (mstr_errors.SessionException, "Session"),
    (mstr_errors.InsufficientPrivilegesException, "InsufficientPrivileges"),
    (mstr_errors.ObjectAlreadyExistsException, "ObjectAlreadyExists"),
    (mstr_errors.MSTRUnknownException, "Unknown"),
    (MSTRHTTPError, "Unknown"),
    (mstr_errors.MSTRException, "Other"),
]


def kind_of(error: mstr_errors.MSTRException) -> str:
    # The client-side check ("There is no valid session available") never sent anything:
    # that is mstr-rest's Error::NotLoggedIn. (The package keeps no response object: an
    # error without a status is the one that sent nothing.)
    sent_nothing = error.response is None if LIBRARY == "mstr.requests" else error.status_code is None
    if isinstance(error, mstr_errors.SessionException) and sent_nothing:
        return "NotLoggedIn"
    for cls, name in KINDS:
        if isinstance(error, cls):
            return name
    return "Other"


class Run:
    """One scenario's steps against one base URL."""

    def __init__(self, base_url: str, given: str | None):
        self.base_url = base_url
        self.input = given
        self.steps: list[dict] = []
        self.output: str | None = None
        self.sessions: list[MSTRRESTSession] = []

    def session(self) -> MSTRRESTSession:
        session = MSTRRESTSession(base_url=self.base_url)
        self.sessions.append(session)
        return session

    def step(self, name: str, action):
        try:
            value = action()
        except mstr_errors.MSTRException as error:
            self.steps.append(
                {
                    "step": name,
                    "ok": False,
                    "kind": kind_of(error),
                    "code": None if error.code == "N/A" else error.code,
                    "status": error.status_code,
                    "iserver_code": error.iserver_code,
                }
            )
            return None
        except httpx.HTTPStatusError as error:
            self.steps.append(
                {
                    "step": name,
                    "ok": False,
                    "kind": "HttpStatus",
                    "code": None,
                    "status": error.response.status_code,
                    "iserver_code": None,
                }
            )
            return None
        self.steps.append({"step": name, "ok": True, "value": value})
        return value

    def close(self):
        for session in self.sessions:
            session.close()


def nothing(_result=None):
    return None


def answer(response: httpx.Response):
    """A raw request's outcome: its status and JSON body (None when not JSON)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    return {"status": response.status_code, "body": body}


ISSUED = "<identity token>"


def issued(box: list, token: str) -> str:
    """Keeps the identity token for the next step, and reports only that one was issued:
    the Rust driver never sees the value in clear (it stays a SecretString)."""
    box.append(token)
    return ISSUED if token else token


def project_list(projects):
    return [{"id": p["id"], "name": p["name"]} for p in projects]


# ---- scenarios: the Rust driver mirrors each one, step for step --------------------------------


def login_standard(r: Run):
    s = r.session()
    r.step("login", lambda: nothing(s.login(username=USER, password=PASSWORD)))
    r.step("has_session", s.has_session)
    r.step("session_info", lambda: s.get_session_info().json())


def login_api_key(r: Run):
    s = r.session()
    r.step("login", lambda: nothing(s.login(api_key=API_KEY)))
    r.step("user_info", lambda: s.get_userinfo().json()["fullName"])


def login_anonymous(r: Run):
    s = r.session()
    r.step("login", lambda: nothing(s.login()))
    r.step("session_info", lambda: s.get_session_info().json())


def login_refused(r: Run):
    s = r.session()
    r.step("login", lambda: nothing(s.login(username=USER, password="wrong")))
    r.step("has_session", s.has_session)


def login_again(r: Run):
    s = r.session()
    r.step("login", lambda: nothing(s.login(username=USER, password=PASSWORD)))
    r.step("login_again", lambda: nothing(s.login(username=USER, password=PASSWORD)))
    r.step("session_info", lambda: s.get_session_info().json())


def delegate(r: Run):
    a, b = r.session(), r.session()
    r.step("login", lambda: nothing(a.login(username=USER, password=PASSWORD)))
    tokens: list[str] = []
    r.step("create_identity_token", lambda: issued(tokens, a.create_identity_token()))
    if not tokens:
        return
    r.step("delegate", lambda: nothing(b.delegate(tokens[0])))
    r.step("delegated_session_info", lambda: b.get_session_info().json())
    r.step("delegated_user_info", lambda: b.get_userinfo().json()["fullName"])
    r.step("logout", lambda: nothing(a.logout()))


def delegate_refused(r: Run):
    s = r.session()
    r.step("delegate", lambda: nothing(s.delegate("not-an-identity-token")))
    r.step("has_session", s.has_session)


def logout(r: Run):
    s = r.session()
    r.step("login", lambda: nothing(s.login(username=USER, password=PASSWORD)))
    r.step("logout", lambda: nothing(s.logout()))
    r.step("has_session", s.has_session)
    r.step("session_info", lambda: s.get_session_info().json())
    r.step("get_projects_raw", lambda: answer(s.get("projects")))


def logout_without_login(r: Run):
    s = r.session()
    r.step("logout", lambda: nothing(s.logout()))
    r.step("has_session", s.has_session)


def session_calls(r: Run):
    s = r.session()
    r.step("login", lambda: nothing(s.login(username=USER, password=PASSWORD)))
    r.step("session_info", lambda: s.get_session_info().json())
    r.step("extend_session", lambda: nothing(s.extend_session()))
    r.step("user_info", lambda: s.get_userinfo().json()["fullName"])
    r.step("session_info_again", lambda: s.get_session_info().json())


def session_calls_without_login(r: Run):
    s = r.session()
    r.step("session_info", lambda: s.get_session_info().json())
    r.step("extend_session", lambda: nothing(s.extend_session()))
    r.step("user_info", lambda: s.get_userinfo().json()["fullName"])
    r.step("projects", lambda: project_list(s.get_projects()))
    r.step("create_identity_token", lambda: issued([], s.create_identity_token()))


def projects(r: Run):
    s = r.session()
    r.step("login", lambda: nothing(s.login(username=USER, password=PASSWORD)))
    r.step("projects", lambda: project_list(s.get_projects()))
    r.step("load_projects", lambda: nothing(s.load_projects()))
    r.step("project_id", lambda: s.get_project_id(TUTORIAL))
    r.step("project_id_unknown", lambda: s.get_project_id("No Such Project"))


def request_with_project_id(r: Run):
    s = r.session()
    r.step("login", lambda: nothing(s.login(username=USER, password=PASSWORD)))
    r.step("load_projects", lambda: nothing(s.load_projects()))
    pid = r.step("project_id", lambda: s.get_project_id(TUTORIAL))
    r.step(
        "search",
        lambda: answer(
            s.get("searches/results", project_id=pid, params={"name": "Revenue", "pattern": "4"})
        ),
    )
    r.step("project_session", lambda: answer(s.get("sessions/projectId", project_id=pid)))


def request_missing_project(r: Run):
    s = r.session()
    r.step("login", lambda: nothing(s.login(username=USER, password=PASSWORD)))
    r.step("search", lambda: answer(s.get("searches/results", params={"name": "Revenue"})))


def request_unknown_project(r: Run):
    s = r.session()
    r.step("login", lambda: nothing(s.login(username=USER, password=PASSWORD)))
    r.step("search", lambda: answer(s.get("searches/results", project_id=UNKNOWN_PROJECT_ID)))


def request_without_auth(r: Run):
    s = r.session()
    r.step("login", lambda: nothing(s.login(username=USER, password=PASSWORD)))
    r.step("without_auth", lambda: answer(s.get("projects", include_auth=False)))
    r.step("with_auth", lambda: answer(s.get("projects"))["status"])


def url_joining(r: Run):
    s = r.session()
    r.step("login", lambda: nothing(s.login(username=USER, password=PASSWORD)))
    r.step("leading_slash", lambda: answer(s.get("/projects"))["status"])
    r.step("relative", lambda: answer(s.get("projects"))["status"])


JSON_BODY = {
    "name": "Q3 sales",
    "tables": [{"name": "T", "rows": 2, "ratio": 1.5}],
    "unicode": "Zürich ✓",
    "nested": {"b": None, "a": [True, False]},
}


def request_json_body(r: Run):
    s = r.session()
    r.step("login", lambda: nothing(s.login(username=USER, password=PASSWORD)))
    r.step("post_json", lambda: answer(s.post("conformance/echo", json=JSON_BODY)))


def serialise_restore(r: Run):
    s = r.session()
    r.step("login", lambda: nothing(s.login(username=USER, password=PASSWORD)))
    dump = r.step("dump", s.json)
    restored: list[MSTRRESTSession] = []

    def restore():
        again = MSTRRESTSession.from_dict(json.loads(dump))
        r.sessions.append(again)
        restored.append(again)

    r.step("restore", restore)
    r.step("restored_session_info", lambda: restored[0].get_session_info().json())
    r.step("restored_logout", lambda: nothing(restored[0].logout()))


def handoff_login_dump(r: Run):
    s = r.session()
    r.step("login", lambda: nothing(s.login(username=USER, password=PASSWORD)))
    r.output = r.step("dump", s.json)


def handoff_load_call(r: Run):
    s = MSTRRESTSession.from_dict(json.loads(r.input))
    r.sessions.append(s)
    r.step("restore", lambda: None)
    r.step("session_info", lambda: s.get_session_info().json())
    r.step("extend_session", lambda: nothing(s.extend_session()))
    r.step("logout", lambda: nothing(s.logout()))


def context_manager(r: Run):
    def block():
        with AuthenticatedMSTRRESTSession(base_url=r.base_url, username=USER, password=PASSWORD) as s:
            return project_list(s.get_projects())

    r.step("with_block", block)


def context_manager_api_key(r: Run):
    def block():
        with AuthenticatedMSTRRESTSession(base_url=r.base_url, api_key=API_KEY) as s:
            return s.get_userinfo().json()["fullName"]

    r.step("with_block", block)


def context_manager_error_inside(r: Run):
    def block():
        with AuthenticatedMSTRRESTSession(base_url=r.base_url, username=USER, password=PASSWORD) as s:
            s.get("conformance/missing")
            return "not reached"

    r.step("with_block", block)


def context_manager_login_refused(r: Run):
    def block():
        with AuthenticatedMSTRRESTSession(base_url=r.base_url, username=USER, password="wrong") as s:
            return s.has_session()

    r.step("with_block", block)


def context_manager_identity_token(r: Run):
    a = r.session()
    r.step("login", lambda: nothing(a.login(username=USER, password=PASSWORD)))
    tokens: list[str] = []
    r.step("create_identity_token", lambda: issued(tokens, a.create_identity_token()))
    if not tokens:
        return

    def block():
        with AuthenticatedMSTRRESTSession(base_url=r.base_url, identity_token=tokens[0]) as s:
            return s.get_session_info().json()

    r.step("with_block", block)


def raw_projects(r: Run):
    """The error scenarios: the runner queued a fault on GET projects."""
    s = r.session()
    r.step("get_projects_raw", lambda: answer(s.get("projects")))


SCENARIOS = {
    f.__name__: f
    for f in [
        login_standard,
        login_api_key,
        login_anonymous,
        login_refused,
        login_again,
        delegate,
        delegate_refused,
        logout,
        logout_without_login,
        session_calls,
        session_calls_without_login,
        projects,
        request_with_project_id,
        request_missing_project,
        request_unknown_project,
        request_without_auth,
        url_joining,
        request_json_body,
        serialise_restore,
        handoff_login_dump,
        handoff_load_call,
        context_manager,
        context_manager_api_key,
        context_manager_error_inside,
        context_manager_login_refused,
        context_manager_identity_token,
        raw_projects,
    ]
}


def main() -> int:
    out = sys.stdout
    greeting = {
        "ready": True,
        "library": LIBRARY,
        "python": sys.version.split()[0],
        "mstr-rest-requests": version("mstr-rest-requests"),
        "httpx": version("httpx"),
        "scenarios": sorted(SCENARIOS),
    }
    out.write(json.dumps(greeting) + "\n")
    out.flush()
    for line in sys.stdin:
        if not line.strip():
            continue
        command = json.loads(line)
        scenario = SCENARIOS.get(command["scenario"])
        if scenario is None:
            reply = {"error": f"unknown scenario {command['scenario']!r}"}
        else:
            run = Run(command["base_url"], command.get("input"))
            try:
                scenario(run)
                reply = {"steps": run.steps, "output": run.output}
            except Exception:  # a driver bug, not a library outcome: report it whole
                reply = {"error": traceback.format_exc()}
            finally:
                run.close()
        out.write(json.dumps(reply) + "\n")
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
