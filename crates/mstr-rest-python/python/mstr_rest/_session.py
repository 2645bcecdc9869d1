"""``MSTRRESTSession`` and ``AuthenticatedMSTRRESTSession``: mstr-rest-requests' API on the
Rust session (token, cookie jar, origin-scoped credentials, retries, re-login)."""

from __future__ import annotations

import json as _json
import logging
from collections.abc import Iterable, Mapping
from typing import Any, Callable, Optional, Union
from urllib.parse import urlencode

from . import _core
from ._data import Query, ipc_chunks
from ._response import Response
from .exceptions import (
    CredentialException,
    MissingCredentialException,
    MSTRConfigError,
    MSTRException,
    ResourceNotFoundException,
    SessionException,
)

__all__ = ["Credential", "MSTRRESTSession", "AuthenticatedMSTRRESTSession"]

log = logging.getLogger("mstr_rest")

#: A credential: the value, or a zero-argument callable returning it (resolved when the
#: ``with`` block is entered, and only if that login mode uses it).
Credential = Union[str, Callable[[], Optional[str]], None]

_NO_SESSION = "N/A: There is no valid session available: log in first (login(), delegate() or the context manager)"

Params = Union[Mapping[str, Any], Iterable[tuple[str, Any]], None]


def _pairs(what: str, values: Params) -> Optional[list[tuple[str, str]]]:
    """Query parameters or headers as (name, value) text pairs; a list value repeats the
    name, a ``None`` value is left out (as requests and httpx do)."""
    if values is None:
        return None
    items = values.items() if isinstance(values, Mapping) else values
    out: list[tuple[str, str]] = []
    for name, value in items:
        if value is None:
            continue
        for v in value if isinstance(value, (list, tuple)) else (value,):
            if isinstance(v, bool):
                v = "true" if v else "false"
            out.append((str(name), str(v)))
    return out


class MSTRRESTSession:
    """A session on a MicroStrategy Library REST API base URL (``…/MicroStrategyLibrary/api/``).

    As in mstr-rest-requests, relative paths are joined onto ``base_url`` and the auth
    token and session cookie are sent with every request to it — and, unlike there, never
    to another origin. Requests time out (``timeout``, default 120 s) instead of waiting
    forever. Thread-safe: share one session between threads.
    """

    def __init__(
        self,
        base_url: str = "",
        *,
        timeout: Optional[float] = None,
        connect_timeout: Optional[float] = None,
        application_type: Optional[int] = None,
        user_agent: Optional[str] = None,
        relogin: Optional[_core.Credentials] = None,
        keepalive_interval: Optional[float] = None,
    ) -> None:
        if not base_url:
            raise MSTRConfigError(
                "base_url is required: the Library REST API's address, e.g. "
                "https://host/MicroStrategyLibrary/api/ (a session without one would send its "
                "token to any URL)"
            )
        self._settings = dict(
            timeout=timeout,
            connect_timeout=connect_timeout,
            application_type=application_type,
            user_agent=user_agent,
        )
        self._core: Optional[_core.Session] = _core.Session(
            base_url, relogin=relogin, keepalive=keepalive_interval, **self._settings
        )
        self._forget_projects()

    # ---- state ------------------------------------------------------------------------

    def _session(self) -> _core.Session:
        if self._core is None:
            raise SessionException(_NO_SESSION)
        return self._core

    def _forget_projects(self) -> None:
        self.projects_by_name: dict[str, dict] = {}
        self.projects_by_id: dict[str, dict] = {}
        self._ambiguous: set[str] = set()
        self._projects_loaded = False

    @property
    def base_url(self) -> str:
        return self._session().base_url

    def has_session(self) -> bool:
        """True when a token is held (nothing is sent: the server may have expired it)."""
        return self._core is not None and self._core.has_session()

    def _require_session(self) -> _core.Session:
        core = self._session()
        if not core.has_session():
            raise SessionException(_NO_SESSION)
        return core

    # ---- authentication ---------------------------------------------------------------

    def login(
        self,
        username: Optional[str] = None,
        password: Optional[str] = None,
        api_key: Optional[str] = None,
        *,
        ldap: bool = False,
    ) -> None:
        """Logs in: ``username`` and ``password`` (standard, or LDAP with ``ldap=True``);
        ``api_key`` (or, as the seed README shows, ``username`` alone); or nothing
        (anonymous). A password without a username is refused (the seed silently logged in
        anonymously)."""
        creds = _core.credentials(username=username, password=password, api_key=api_key, ldap=ldap)
        self._session().login(creds)
        self._forget_projects()

    def delegate(self, identity_token: str) -> None:
        """Logs in with an identity token another session created (``auth/delegate``)."""
        self._session().delegate(identity_token)
        self._forget_projects()

    def logout(self) -> None:
        """Ends the server session and forgets the token (nothing is sent without one)."""
        self._session().logout()
        self._forget_projects()

    def create_identity_token(self) -> str:
        """An identity token for :meth:`delegate` in another session or process."""
        return self._require_session().create_identity_token()

    # ---- session calls ----------------------------------------------------------------

    def get_session_info(self) -> Response:
        """``GET sessions``."""
        self._require_session()
        return self.get("sessions")

    def extend_session(self) -> Response:
        """``PUT sessions``: prolongs the session."""
        self._require_session()
        return self.put("sessions")

    def get_userinfo(self) -> Response:
        """``GET sessions/userInfo``."""
        self._require_session()
        return self.get("sessions/userInfo")

    # ---- projects ---------------------------------------------------------------------

    def get_projects(self) -> list[dict]:
        """``GET projects``: the projects this user may open."""
        self._require_session()
        return self.get("projects").json()

    def load_projects(self) -> None:
        """Fills ``projects_by_name`` and ``projects_by_id``."""
        projects = self.get_projects()
        self._forget_projects()
        for p in projects:
            name, pid = p.get("name"), p.get("id")
            if name in self.projects_by_name:
                self._ambiguous.add(name)
            else:
                self.projects_by_name[name] = p
            self.projects_by_id[pid] = p
        self._projects_loaded = True

    def get_project_id(self, name: str) -> Optional[str]:
        """The id of the project named ``name`` (loading the list on first use), ``None``
        when there is none. Two projects of that name raise ``MSTRConfigError`` (the seed
        silently picked the last)."""
        if not self._projects_loaded:
            self.load_projects()
        if name in self._ambiguous:
            raise MSTRConfigError(f"more than one project is named {name!r}: pass its project_id")
        project = self.projects_by_name.get(name)
        return None if project is None else project["id"]

    def _project(self, project_id: Optional[str], project: Optional[str], needed: bool) -> Optional[str]:
        if project_id is not None and project is not None:
            raise MSTRConfigError("pass project_id or project (a name), not both")
        if project is not None:
            found = self.get_project_id(project)
            if found is None:
                self.load_projects()  # it may be new
                found = self.get_project_id(project)
            if found is None:
                raise ResourceNotFoundException(
                    f"N/A: no project named {project!r} is available to this user", code="N/A"
                )
            return found
        if needed and project_id is None:
            raise MSTRConfigError("pass project_id= (or project= with its name)")
        return project_id

    # ---- raw requests -----------------------------------------------------------------

    def request(
        self,
        method: str,
        url: str,
        *,
        include_auth: bool = True,
        project_id: Optional[str] = None,
        project: Optional[str] = None,
        params: Params = None,
        json: Any = None,
        data: Union[bytes, str, Mapping[str, Any], None] = None,
        headers: Optional[Mapping[str, str]] = None,
        timeout: Optional[float] = None,
        **unsupported: Any,
    ) -> Response:
        """Sends one request to ``url`` (relative to ``base_url``, or absolute).

        An answer of 400 or more raises the exception of its error code (the seed returned
        non-JSON error answers as responses). Keyword arguments of requests/httpx that this
        package does not implement are refused by name rather than ignored.
        """
        if unsupported:
            raise TypeError(
                f"{method.lower()}() got arguments mstr_rest does not support: "
                f"{', '.join(sorted(unsupported))}"
            )
        body: Optional[bytes] = None
        content_type: Optional[str] = None
        if json is not None and data is not None:
            raise MSTRConfigError("pass json= or data=, not both")
        if json is not None:
            # httpx's form: compact, UTF-8 (what the server has always been sent)
            body = _json.dumps(json, separators=(",", ":"), ensure_ascii=False).encode()
            content_type = "application/json"
        elif isinstance(data, Mapping):
            body = urlencode(_pairs("data", data) or []).encode()
            content_type = "application/x-www-form-urlencoded"
        elif isinstance(data, str):
            body = data.encode()
        elif data is not None:
            body = bytes(data)
        pid = self._project(project_id, project, needed=False)
        core = self._session().request(
            method,
            url,
            include_auth=include_auth,
            project_id=pid,
            params=_pairs("params", params),
            body=body,
            content_type=content_type,
            headers=_pairs("headers", headers),
            timeout=timeout,
        )
        return Response(core)

    def get(self, url: str, **kwargs: Any) -> Response:
        return self.request("GET", url, **kwargs)

    def options(self, url: str, **kwargs: Any) -> Response:
        return self.request("OPTIONS", url, **kwargs)

    def head(self, url: str, **kwargs: Any) -> Response:
        return self.request("HEAD", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Response:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> Response:
        return self.request("PUT", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> Response:
        return self.request("PATCH", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> Response:
        return self.request("DELETE", url, **kwargs)

    # ---- saving and restoring ---------------------------------------------------------

    def json(self) -> str:
        """The session as mstr-rest-requests' ``json()`` writes it (base_url, cookies,
        headers with the token), readable by its ``from_dict`` and the Rust library's
        ``Session::from_json``. **It is a secret**: whoever holds it is this user."""
        return self._session().to_json()

    def to_dict(self) -> dict:
        return _json.loads(self.json())

    dict = to_dict

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], **session_kwargs: Any) -> "MSTRRESTSession":
        """Restores a session saved by :meth:`json` here, by mstr-rest-requests or by the
        Rust library. A document missing a key is refused whole, before anything changes."""
        if session_kwargs:
            raise TypeError(
                "from_dict() takes no session settings: restore, then the defaults apply "
                f"(got {', '.join(sorted(session_kwargs))})"
            )
        restored = cls.__new__(cls)
        restored._settings = {}
        restored._core = _core.Session.from_json(_json.dumps(dict(d)))
        restored._forget_projects()
        return restored

    def update_from_json(self, d: Union[str, Mapping[str, Any]]) -> None:
        text = d if isinstance(d, str) else _json.dumps(dict(d))
        self._core = _core.Session.from_json(text)
        self._forget_projects()

    def close(self) -> None:
        """Kept for the seed's callers; connections close with the last reference."""

    def __enter__(self) -> "MSTRRESTSession":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "logged in" if self.has_session() else "no session"
        where = self._core.base_url if self._core is not None else "not connected"
        return f"<{type(self).__name__} {where} ({state})>"

    # ---- data -------------------------------------------------------------------------

    def report(
        self,
        report_id: str,
        *,
        project_id: Optional[str] = None,
        project: Optional[str] = None,
        attributes: Optional[Iterable[str]] = None,
        metrics: Optional[Iterable[str]] = None,
        filter: Optional[Mapping[str, Any]] = None,
        answers: Union[Mapping[str, Any], Iterable[Mapping[str, Any]], None] = None,
        page_size: Optional[int] = None,
        concurrency: Optional[int] = None,
    ) -> Query:
        """A report extract: ``.to_arrow()``, ``.to_pandas()``, ``.to_polars()``,
        ``.iter_batches()``, ``.to_csv(path)``, ``.to_parquet(path)``. Nothing is sent until
        one of them runs; each run opens a new report instance.

        ``attributes``/``metrics`` pick columns by id; ``filter`` is a view filter
        expression (the REST API's JSON); ``answers`` answers prompts: ``{prompt: value or
        [values]}`` for value prompts, or a list of ``{"target", "type", "values"}``
        (types VALUE, ELEMENTS, OBJECTS, DEFAULT, EMPTY); ``page_size`` rows per page and
        ``concurrency`` pages in flight (defaults suit most servers).
        """
        return self._query(False, report_id, project_id, project, attributes, metrics, filter, answers, page_size, concurrency)

    def cube(
        self,
        cube_id: str,
        *,
        project_id: Optional[str] = None,
        project: Optional[str] = None,
        attributes: Optional[Iterable[str]] = None,
        metrics: Optional[Iterable[str]] = None,
        filter: Optional[Mapping[str, Any]] = None,
        answers: Union[Mapping[str, Any], Iterable[Mapping[str, Any]], None] = None,
        page_size: Optional[int] = None,
        concurrency: Optional[int] = None,
    ) -> Query:
        """A cube extract; as :meth:`report`."""
        return self._query(True, cube_id, project_id, project, attributes, metrics, filter, answers, page_size, concurrency)

    def _query(self, cube, object_id, project_id, project, attributes, metrics, filter, answers, page_size, concurrency) -> Query:
        pid = self._project(project_id, project, needed=True)
        if isinstance(answers, Mapping):
            answers = [
                {"target": k, "type": "VALUE", "values": list(v) if isinstance(v, (list, tuple)) else [v]}
                for k, v in answers.items()
            ]
        core = self._session().report(
            object_id,
            cube=cube,
            project_id=pid,
            attributes=None if attributes is None else list(attributes),
            metrics=None if metrics is None else list(metrics),
            filter=None if filter is None else _json.dumps(filter),
            answers=None if answers is None else _json.dumps(list(answers)),
            page_size=page_size,
            concurrency=concurrency,
        )
        return Query(core)

    def push(
        self,
        dataset_name: Optional[str],
        table_name: str,
        data: Any,
        *,
        project_id: Optional[str] = None,
        project: Optional[str] = None,
        policy: str = "replace",
        dataset_id: Optional[str] = None,
        key: Optional[Iterable[str]] = None,
        chunk_rows: Optional[int] = None,
        publish_poll: Optional[tuple[float, float]] = None,
    ) -> dict:
        """Pushes ``data`` — a pyarrow Table, RecordBatch or RecordBatchReader, a pandas or
        polars DataFrame, anything with ``__arrow_c_stream__``, or an iterator of batches —
        into table ``table_name`` of a new dataset named ``dataset_name`` (numeric columns
        become metrics, the others and ``key`` attributes), or of the existing
        ``dataset_id`` (pass ``None`` as the name). Streamed in chunks; published and
        waited for. ``policy``: replace, add, update or upsert. Returns ``{"dataset_id",
        "rows", "chunks"}``. All or nothing: a failure leaves the dataset as it was.
        ``publish_poll=(first, max)``: the publish status is polled after ``first`` seconds,
        the waits doubling up to ``max`` (default ``(0.1, 2.0)``)."""
        pid = self._project(project_id, project, needed=True)
        return self._session().push(
            ipc_chunks(data),
            table=table_name,
            project_id=pid,
            dataset_name=dataset_name,
            dataset_id=dataset_id,
            policy=policy,
            key=None if key is None else list(key),
            chunk_rows=chunk_rows,
            publish_poll=publish_poll,
        )


def _resolve(name: str, value: Credential) -> str:
    if callable(value):
        try:
            value = value()
        except MSTRException:
            raise
        except Exception as e:  # a vault client's own error: say which credential failed
            raise CredentialException(
                f"N/A: resolving {name} failed: {type(e).__name__}: {e}", source=name
            ) from e
    if value is None:
        raise MissingCredentialException(f"N/A: {name} resolved to None", source=name)
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string or a callable returning one, not {type(value).__name__}")
    return value


class AuthenticatedMSTRRESTSession(MSTRRESTSession):
    """A session that logs in when its ``with`` block is entered and out when it exits
    (on error too).

    Every credential — ``base_url`` included — is a string or a zero-argument callable,
    resolved on enter. Only the credentials of the login mode used are resolved (the seed
    resolved all, fetching secrets it would not use): ``identity_token`` delegates; else
    ``api_key``; else ``username``/``password``; none of them logs in anonymously. Exit
    logs out in every mode, a delegated session included, as the Rust library's
    ``AuthenticatedSession`` does (the seed left delegated sessions open);
    ``logout_on_exit=False`` leaves the server session open, e.g. for the token's issuer.
    ``relogin=True`` logs in again, once, when the server answers ERR009 (expired);
    ``keepalive_interval`` prolongs the session every so many seconds.
    """

    def __init__(
        self,
        base_url: Credential = None,
        username: Credential = None,
        password: Credential = None,
        identity_token: Credential = None,
        api_key: Credential = None,
        application_type: Optional[int] = None,
        *,
        relogin: bool = False,
        keepalive_interval: Optional[float] = None,
        ldap: bool = False,
        logout_on_exit: bool = True,
        timeout: Optional[float] = None,
        connect_timeout: Optional[float] = None,
        user_agent: Optional[str] = None,
    ) -> None:
        self._logout_on_exit = logout_on_exit
        self._given = dict(
            base_url=base_url,
            username=username,
            password=password,
            identity_token=identity_token,
            api_key=api_key,
        )
        self._relogin = relogin
        self._keepalive = keepalive_interval
        self._ldap = ldap
        self._delegated = False
        self._settings = dict(
            timeout=timeout,
            connect_timeout=connect_timeout,
            application_type=application_type,
            user_agent=user_agent,
        )
        self._core = None
        self._forget_projects()

    def _credentials(self) -> _core.Credentials:
        g = self._given
        if g["identity_token"] is not None:
            self._delegated = True
            return _core.credentials(identity_token=_resolve("identity_token", g["identity_token"]))
        self._delegated = False
        if g["api_key"] is not None:
            return _core.credentials(api_key=_resolve("api_key", g["api_key"]))
        username = None if g["username"] is None else _resolve("username", g["username"])
        password = None if g["password"] is None else _resolve("password", g["password"])
        return _core.credentials(username=username, password=password, ldap=self._ldap)

    def __enter__(self) -> "AuthenticatedMSTRRESTSession":
        if self._given["base_url"] is None:
            raise MSTRConfigError("base_url is required")
        base_url = _resolve("base_url", self._given["base_url"])
        creds = self._credentials()
        core = _core.Session(
            base_url,
            relogin=creds if self._relogin and not self._delegated else None,
            keepalive=self._keepalive,
            **self._settings,
        )
        core.login(creds)
        self._core = core
        self._forget_projects()
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        core, self._core = self._core, None
        if core is None or not self._logout_on_exit:
            return
        try:
            core.logout()
        except SessionException:
            pass  # the server had already ended it
        except MSTRException:
            if exc_type is None:
                raise
            log.warning("logging out after an error failed too", exc_info=True)
