//! The scenario list: every operation of PARITY.md that both libraries have. Each scenario is
//! run once by the Python driver (`python/driver.py`) and once by the Rust driver
//! (`rust_driver.rs`), each against a freshly reset emulator, under the same driver name.

use crate::compare::Rule;

/// What the runner queues on the emulator before a driver runs.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Setup {
    None,
    /// `GET projects` answers with this error body, for as many tries as a retrying client makes.
    ApiError {
        status: u16,
        code: &'static str,
        iserver_code: Option<i64>,
    },
    /// `GET projects` answers with this raw body.
    Raw {
        status: u16,
        content_type: &'static str,
        body: &'static str,
    },
}

/// How the two libraries take part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Both run the same steps; requests and outcomes are compared.
    Differential,
    /// One library logs in and saves the session, the other restores it and calls with it.
    HandOff { python_first: bool },
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Scenario {
    pub(crate) name: &'static str,
    /// The scenario both drivers run (the error scenarios share one).
    pub(crate) driver: &'static str,
    pub(crate) what: &'static str,
    pub(crate) setup: Setup,
    pub(crate) kind: Kind,
    /// The expected differences this scenario shows (see `compare::Rule`).
    pub(crate) expected: &'static [Rule],
}

const fn plain(name: &'static str, what: &'static str, expected: &'static [Rule]) -> Scenario {
    Scenario {
        name,
        driver: name,
        what,
        setup: Setup::None,
        kind: Kind::Differential,
        expected,
    }
}

/// An error scenario: `GET projects` answers `status` with `code`; `(status unverified)` in
/// `what` marks the statuses the reference does not state (reference 3.2).
const fn error(
    name: &'static str,
    what: &'static str,
    status: u16,
    code: &'static str,
    expected: &'static [Rule],
) -> Scenario {
    Scenario {
        name,
        driver: "raw_projects",
        what,
        setup: Setup::ApiError {
            status,
            code,
            iserver_code: None,
        },
        kind: Kind::Differential,
        expected,
    }
}

use Rule::*;

pub(crate) const SCENARIOS: &[Scenario] = &[
    plain(
        "login_standard",
        "standard login (mode 1), has_session, session info",
        &[],
    ),
    plain("login_api_key", "API-key login (mode 4096), user info", &[]),
    plain(
        "login_anonymous",
        "anonymous login (mode 8), session info",
        &[],
    ),
    plain("login_refused", "wrong password: ERR003", &[]),
    plain(
        "login_again",
        "a second login on a live session",
        &[LoginDropsOldSession],
    ),
    plain(
        "delegate",
        "identity token, delegate to a second session, its info, logout",
        &[],
    ),
    plain(
        "delegate_refused",
        "delegate with an unknown identity token",
        &[],
    ),
    plain(
        "logout",
        "logout, then a session call (no request) and a raw request",
        &[LogoutClearsCookies],
    ),
    plain(
        "logout_without_login",
        "logout with no session",
        &[LogoutWithoutTokenIsLocal],
    ),
    plain(
        "session_calls",
        "session info, extend (PUT sessions), user info",
        &[],
    ),
    plain(
        "session_calls_without_login",
        "session calls without a token: refused before sending",
        &[],
    ),
    plain(
        "projects",
        "project list, load, project id by name (known, unknown)",
        &[],
    ),
    plain(
        "request_with_project_id",
        "project-scoped requests with X-MSTR-ProjectID and a query",
        &[],
    ),
    plain(
        "request_missing_project",
        "project-scoped request without the project header: ERR005",
        &[],
    ),
    plain(
        "request_unknown_project",
        "request with an unknown project id: ERR004",
        &[],
    ),
    plain(
        "request_without_auth",
        "a request without auth, then one with",
        &[WithoutAuthSendsNoCookie],
    ),
    plain("url_joining", "`/projects` and `projects` join alike", &[]),
    plain(
        "request_json_body",
        "a POST with a nested, non-ASCII JSON body",
        &[],
    ),
    plain(
        "serialise_restore",
        "save the session as JSON, restore it, call, log out",
        &[PythonDumpsTransportHeaders],
    ),
    Scenario {
        name: "handoff_python_to_rust",
        driver: "handoff",
        what: "a session saved by Python makes an authenticated call from Rust",
        setup: Setup::None,
        kind: Kind::HandOff { python_first: true },
        expected: &[],
    },
    Scenario {
        name: "handoff_rust_to_python",
        driver: "handoff",
        what: "a session saved by Rust makes an authenticated call from Python",
        setup: Setup::None,
        kind: Kind::HandOff {
            python_first: false,
        },
        expected: &[],
    },
    plain(
        "context_manager",
        "context manager: log in, list projects, log out",
        &[],
    ),
    plain(
        "context_manager_api_key",
        "context manager with an API key",
        &[],
    ),
    plain(
        "context_manager_error_inside",
        "context manager whose body fails (ERR004): still logs out",
        &[],
    ),
    plain(
        "context_manager_login_refused",
        "context manager with a wrong password: nothing to log out",
        &[],
    ),
    plain(
        "context_manager_identity_token",
        "context manager with an identity token",
        &[DelegatedCloseLogsOut],
    ),
    error(
        "error_ERR001",
        "ERR001 general error, 500",
        500,
        "ERR001",
        &[],
    ),
    error(
        "error_ERR002",
        "ERR002 IServer error, 500",
        500,
        "ERR002",
        &[],
    ),
    error(
        "error_ERR003",
        "ERR003 authentication error, 401",
        401,
        "ERR003",
        &[],
    ),
    error("error_ERR004", "ERR004 not found, 404", 404, "ERR004", &[]),
    error(
        "error_ERR005",
        "ERR005 missing information, 400 (status unverified)",
        400,
        "ERR005",
        &[],
    ),
    error(
        "error_ERR006",
        "ERR006 invalid input, 400",
        400,
        "ERR006",
        &[],
    ),
    error(
        "error_ERR007",
        "ERR007 missing field, 400 (status unverified)",
        400,
        "ERR007",
        &[],
    ),
    error(
        "error_ERR008",
        "ERR008 inbox message not ready, 409 (status unverified)",
        409,
        "ERR008",
        &[],
    ),
    error(
        "error_ERR009",
        "ERR009 session expired, 401",
        401,
        "ERR009",
        &[],
    ),
    error(
        "error_ERR0010",
        "ERR0010 not supported, 501 (status unverified)",
        501,
        "ERR0010",
        &[],
    ),
    error(
        "error_ERR0013",
        "ERR0013 IServer unreachable, 503 (status unverified)",
        503,
        "ERR0013",
        &[RetriesIdempotent],
    ),
    error(
        "error_ERR0014",
        "ERR0014 insufficient privileges, 403 (sent as ERR014)",
        403,
        "ERR0014",
        &[ShortForbiddenCodes],
    ),
    Scenario {
        name: "error_ERR0014_long_spelling",
        driver: "raw_projects",
        what: "ERR0014 in the documented four-digit spelling, 403",
        setup: Setup::Raw {
            status: 403,
            content_type: "application/json",
            body: r#"{"code":"ERR0014","message":"You do not have the privilege","ticketId":"0123456789abcdef0123456789abcdef"}"#,
        },
        kind: Kind::Differential,
        expected: &[],
    },
    error(
        "error_ERR0015",
        "ERR0015 object already exists, 409 (status unverified)",
        409,
        "ERR0015",
        &[],
    ),
    error(
        "error_ERR0016",
        "ERR0016 service not available, 503 (status unverified)",
        503,
        "ERR0016",
        &[RetriesIdempotent],
    ),
    error(
        "error_ERR0017",
        "ERR0017 insufficient permission, 403 (sent as ERR017)",
        403,
        "ERR0017",
        &[ShortForbiddenCodes],
    ),
    Scenario {
        name: "error_ERR0017_long_spelling",
        driver: "raw_projects",
        what: "ERR0017 in the documented four-digit spelling, 403",
        setup: Setup::Raw {
            status: 403,
            content_type: "application/json",
            body: r#"{"code":"ERR0017","message":"Access denied","ticketId":"0123456789abcdef0123456789abcdef"}"#,
        },
        kind: Kind::Differential,
        expected: &[],
    },
    error(
        "error_ERR0020",
        "ERR0020 dashboard prompt not supported, 400 (status unverified)",
        400,
        "ERR0020",
        &[],
    ),
    error(
        "error_ERR0021",
        "ERR0021 invalid configuration property, 500 (status unverified)",
        500,
        "ERR0021",
        &[],
    ),
    error(
        "error_ERR0R22",
        "ERR0R22 (sic) TLS validation issue, 500 (status unverified)",
        500,
        "ERR0R22",
        &[],
    ),
    error(
        "error_ERR0023",
        "ERR0023 secret-key configuration, 500 (status unverified)",
        500,
        "ERR0023",
        &[],
    ),
    error(
        "error_ERR0024",
        "ERR0024 trust-store configuration, 500 (status unverified)",
        500,
        "ERR0024",
        &[],
    ),
    Scenario {
        name: "error_ERR003_iserver_code",
        driver: "raw_projects",
        what: "ERR003 with an iServerCode, 401",
        setup: Setup::ApiError {
            status: 401,
            code: "ERR003",
            iserver_code: Some(-2_147_216_959),
        },
        kind: Kind::Differential,
        expected: &[],
    },
    Scenario {
        name: "error_without_code",
        driver: "raw_projects",
        what: "a JSON error body without a code, 500",
        setup: Setup::Raw {
            status: 500,
            content_type: "application/json",
            body: r#"{"message":"Something failed"}"#,
        },
        kind: Kind::Differential,
        expected: &[],
    },
    Scenario {
        name: "error_html_502",
        driver: "raw_projects",
        what: "a proxy's HTML 502 page",
        setup: Setup::Raw {
            status: 502,
            content_type: "text/html; charset=utf-8",
            body: "<html><body><h1>502 Bad Gateway</h1></body></html>",
        },
        kind: Kind::Differential,
        expected: &[NonJsonErrorsAreErrors, RetriesIdempotent],
    },
];
