//! Python and Rust, side by side: the expected differences (all listed here, each with its
//! reason), the reconciliation that removes exactly those, and a readable diff of the rest.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::wire::{Secrets, Sent, WireRequest};

/// A difference between the two libraries that is intended: mstr-rest does better than the
/// Python library's documented pitfall, or chose differently on purpose. Each scenario lists
/// the ones it expects; one that occurs elsewhere, or fails to occur where listed, fails the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Rule {
    LoginDropsOldSession,
    WithoutAuthSendsNoCookie,
    LogoutClearsCookies,
    LogoutWithoutTokenIsLocal,
    RetriesIdempotent,
    ShortForbiddenCodes,
    NonJsonErrorsAreErrors,
    DelegatedCloseLogsOut,
    PythonDumpsTransportHeaders,
}

pub(crate) const ALL_RULES: [Rule; 9] = [
    Rule::LoginDropsOldSession,
    Rule::WithoutAuthSendsNoCookie,
    Rule::LogoutClearsCookies,
    Rule::LogoutWithoutTokenIsLocal,
    Rule::RetriesIdempotent,
    Rule::ShortForbiddenCodes,
    Rule::NonJsonErrorsAreErrors,
    Rule::DelegatedCloseLogsOut,
    Rule::PythonDumpsTransportHeaders,
];

impl Rule {
    /// The short label the tables use.
    pub(crate) fn label(self) -> String {
        let n = ALL_RULES.iter().position(|r| *r == self).unwrap_or(0) + 1;
        format!("D{n}")
    }

    pub(crate) fn title(self) -> &'static str {
        match self {
            Rule::LoginDropsOldSession => {
                "Login and delegation go out without the old token and cookie"
            }
            Rule::WithoutAuthSendsNoCookie => "`without_auth()` sends neither token nor cookies",
            Rule::LogoutClearsCookies => "After logout no cookie is sent",
            Rule::LogoutWithoutTokenIsLocal => "Logout without a token sends nothing",
            Rule::RetriesIdempotent => "Idempotent requests are retried on 429/502/503/504",
            Rule::ShortForbiddenCodes => "`ERR014`/`ERR017` are insufficient privileges",
            Rule::NonJsonErrorsAreErrors => "An error status without a JSON body is an error",
            Rule::DelegatedCloseLogsOut => "Closing a delegated context logs it out",
            Rule::PythonDumpsTransportHeaders => {
                "A saved session holds only the session's own headers"
            }
        }
    }

    pub(crate) fn why(self) -> &'static str {
        match self {
            Rule::LoginDropsOldSession => {
                "Python re-sends its X-MSTR-AuthToken and JSESSIONID on auth/login and \
                 auth/delegate (python-library-wire.md, pitfall 7); we open a clean HTTP \
                 session, so a stale or foreign one never leaks into the new login."
            }
            Rule::WithoutAuthSendsNoCookie => {
                "Python's include_auth=False drops only the token and still sends JSESSIONID \
                 (pitfall 8), which identifies the session just as well; ours sends no \
                 credentials at all."
            }
            Rule::LogoutClearsCookies => {
                "Python keeps its JSESSIONID after logout and sends it on later requests; \
                 logout() forgets our token and cookies together."
            }
            Rule::LogoutWithoutTokenIsLocal => {
                "Python sends POST auth/logout even without a token and raises \
                 SessionException (ERR009); with nothing to close we send nothing and succeed."
            }
            Rule::RetriesIdempotent => {
                "Our default RetryPolicy retries GET/HEAD/OPTIONS/PUT/DELETE twice with \
                 back-off on 429, 502, 503 and 504; Python's default is retries=0. The \
                 repeats are identical requests."
            }
            Rule::ShortForbiddenCodes => {
                "Real servers send ERR014/ERR017 (reference 3.2); we normalise the spelling \
                 to InsufficientPrivileges, Python matches only ERR0014/ERR0017 and raises a \
                 plain MSTRException (Other)."
            }
            Rule::NonJsonErrorsAreErrors => {
                "Python returns a non-JSON error answer (a proxy's HTML 502) as if it \
                 succeeded unless raise_on_http_error=True; every status of 400 or more is \
                 our Error::Api (kind Unknown without a code)."
            }
            Rule::DelegatedCloseLogsOut => {
                "AuthenticatedSession::close() logs out in every mode, delegated sessions \
                 included (DESIGN.md; .logout_on_close(false) keeps the shared session open, \
                 as Python always does)."
            }
            Rule::PythonDumpsTransportHeaders => {
                "Python's json() also saves httpx's defaults (accept, accept-encoding, \
                 connection, user-agent) and restores them, so a restored session claims to \
                 be python-httpx; ours saves the session's own headers. Compared: base_url, \
                 cookies and the X-MSTR-* headers."
            }
        }
    }
}

/// What is deliberately not compared, and why (shown with the rules in the report).
pub(crate) const NOT_COMPARED: &[(&str, &str)] = &[
    (
        "User-Agent",
        "each library names itself (python-httpx/0.28.1, mstr-rest/0.1.0)",
    ),
    (
        "Header name case",
        "HTTP header names are case-insensitive; httpx keeps X-MSTR-AuthToken, hyper sends lower case",
    ),
    (
        "Accept, Accept-Encoding, Connection, Content-Length, Host",
        "transport defaults of httpx and reqwest; no MicroStrategy server reads them",
    ),
    (
        "JSON key order and spacing",
        "bodies are compared as parsed JSON (httpx writes compact JSON in insertion order)",
    ),
    (
        "Query order and percent-encoding",
        "query strings are compared decoded and sorted",
    ),
    (
        "Token, cookie and identity-token values",
        "random per run; compared by order of issue (`<token 1>` is the first token the emulator issued in that run)",
    ),
    (
        "Error messages",
        "each library formats its own (Python adds an I-Server error name); kind, code, \
         status and iServerCode are compared",
    ),
];

/// One library's side of a scenario.
#[derive(Debug, Default)]
pub(crate) struct Side {
    pub(crate) sent: Vec<Sent>,
    pub(crate) steps: Vec<Value>,
    pub(crate) secrets: Secrets,
}

/// The comparison's result: the expected differences that occurred, and everything else.
#[derive(Debug, Default)]
pub(crate) struct Verdict {
    pub(crate) fired: BTreeSet<Rule>,
    pub(crate) problems: Vec<String>,
}

impl Verdict {
    pub(crate) fn matches(&self) -> bool {
        self.problems.is_empty()
    }
}

fn idempotent(method: &str) -> bool {
    matches!(method, "GET" | "HEAD" | "OPTIONS" | "PUT" | "DELETE")
}

/// Python's requests with its listed pitfalls taken out.
fn reconcile_python(python: &Side, fired: &mut BTreeSet<Rule>) -> Vec<WireRequest> {
    let mut out = Vec::new();
    // Python's jar still holds the last session's cookie after a logout.
    let mut logged_out = false;
    for sent in &python.sent {
        let mut request = sent.request.clone();
        let opens_session = request.is("POST", "auth/login") || request.is("POST", "auth/delegate");
        if request.is("POST", "auth/logout") && request.token().is_none() {
            fired.insert(Rule::LogoutWithoutTokenIsLocal);
            continue;
        }
        if opens_session {
            let had_token = request.mstr.remove(crate::wire::AUTH_TOKEN).is_some();
            if had_token || !request.cookies.is_empty() {
                fired.insert(Rule::LoginDropsOldSession);
                request.cookies.clear();
            }
        } else if request.token().is_none() && !request.cookies.is_empty() {
            fired.insert(if logged_out {
                Rule::LogoutClearsCookies
            } else {
                Rule::WithoutAuthSendsNoCookie
            });
            request.cookies.clear();
        }
        if request.is("POST", "auth/logout") && sent.status == 204 {
            logged_out = true;
        } else if opens_session && sent.status == 204 {
            logged_out = false;
        }
        out.push(request);
    }
    out
}

/// Rust's requests with its listed choices taken out.
fn reconcile_rust(
    rust: &Side,
    python: &[WireRequest],
    fired: &mut BTreeSet<Rule>,
) -> Vec<WireRequest> {
    let mut out = Vec::new();
    let mut previous: Option<&Sent> = None;
    for sent in &rust.sent {
        let request = &sent.request;
        let retry = previous.is_some_and(|p| {
            p.request == *request
                && matches!(p.status, 429 | 502 | 503 | 504)
                && idempotent(&request.method)
        });
        previous = Some(sent);
        if retry {
            fired.insert(Rule::RetriesIdempotent);
            continue;
        }
        if request.is("POST", "auth/logout")
            && request
                .token()
                .is_some_and(|t| rust.secrets.is_delegated(t))
            && !python
                .iter()
                .any(|p| p.is("POST", "auth/logout") && p.token() == request.token())
        {
            fired.insert(Rule::DelegatedCloseLogsOut);
            continue;
        }
        out.push(request.clone());
    }
    out
}

/// A step as compared: secrets named, and a saved session reduced to what both libraries
/// must agree on.
fn normalise_step(
    step: &Value,
    secrets: &Secrets,
    python: bool,
    fired: &mut BTreeSet<Rule>,
) -> Value {
    let mut step = secrets.json(step);
    if step["step"] == "dump"
        && let Some(text) = step["value"].as_str()
        && let Ok(Value::Object(dump)) = serde_json::from_str::<Value>(text)
    {
        let dump = secrets.json(&Value::Object(dump));
        let mut headers = serde_json::Map::new();
        for (name, value) in dump["headers"].as_object().into_iter().flatten() {
            let lower = name.to_ascii_lowercase();
            if lower.starts_with("x-mstr-") || !python {
                headers.insert(lower, value.clone());
            } else {
                fired.insert(Rule::PythonDumpsTransportHeaders);
            }
        }
        step["value"] = json!({
            "base_url": dump["base_url"],
            "cookies": dump["cookies"],
            "headers": headers,
        });
    }
    step
}

/// Whether a pair of differing steps is one of the expected outcome differences.
fn expected_outcome(python: &Value, rust: &Value) -> Option<Rule> {
    let failed = |s: &Value, kind: &str| s["ok"] == false && s["kind"] == kind;
    if failed(python, "Session") && rust["ok"] == true && rust["step"].as_str()?.contains("logout")
    {
        return Some(Rule::LogoutWithoutTokenIsLocal);
    }
    if failed(python, "Other")
        && failed(rust, "InsufficientPrivileges")
        && matches!(python["code"].as_str(), Some("ERR014" | "ERR017"))
        && python["code"] == rust["code"]
        && python["status"] == rust["status"]
    {
        return Some(Rule::ShortForbiddenCodes);
    }
    let status = python["value"]["status"].as_u64()?;
    if python["ok"] == true
        && status >= 400
        && python["value"]["body"].is_null()
        && failed(rust, "Unknown")
        && rust["status"].as_u64() == Some(status)
    {
        return Some(Rule::NonJsonErrorsAreErrors);
    }
    None
}

/// Compares one scenario's two sides. `expected` lists the rules the scenario allows.
pub(crate) fn compare(python: &Side, rust: &Side, expected: &[Rule]) -> Verdict {
    let mut verdict = Verdict::default();
    let py = reconcile_python(python, &mut verdict.fired);
    let rs = reconcile_rust(rust, &py, &mut verdict.fired);
    if py != rs {
        verdict
            .problems
            .push(format!("requests differ:\n{}", diff(&py, &rs)));
    }

    if python.steps.len() != rust.steps.len() {
        verdict.problems.push(format!(
            "the drivers ran different steps: python {} / rust {}",
            step_names(&python.steps),
            step_names(&rust.steps)
        ));
    }
    for (p, r) in python.steps.iter().zip(&rust.steps) {
        let p = normalise_step(p, &python.secrets, true, &mut verdict.fired);
        let r = normalise_step(r, &rust.secrets, false, &mut verdict.fired);
        if p["step"] != r["step"] {
            verdict.problems.push(format!(
                "the drivers ran different steps: python {} / rust {}",
                p["step"], r["step"]
            ));
        } else if p != r {
            match expected_outcome(&p, &r) {
                Some(rule) => {
                    verdict.fired.insert(rule);
                }
                None => verdict
                    .problems
                    .push(format!("step {}: python {p} / rust {r}", p["step"])),
            }
        }
    }

    let expected: BTreeSet<Rule> = expected.iter().copied().collect();
    for rule in verdict.fired.difference(&expected) {
        verdict.problems.push(format!(
            "expected difference {} ({}) occurred, but this scenario does not list it",
            rule.label(),
            rule.title()
        ));
    }
    for rule in expected.difference(&verdict.fired) {
        verdict.problems.push(format!(
            "expected difference {} ({}) is listed for this scenario but did not occur",
            rule.label(),
            rule.title()
        ));
    }
    verdict
}

fn step_names(steps: &[Value]) -> String {
    let names: Vec<&str> = steps.iter().filter_map(|s| s["step"].as_str()).collect();
    format!("[{}]", names.join(", "))
}

/// A line diff of two request lists (longest common subsequence), with field-level detail
/// where a Python request and a Rust request stand in for each other.
pub(crate) fn diff(python: &[WireRequest], rust: &[WireRequest]) -> String {
    let (n, m) = (python.len(), rust.len());
    let mut lcs = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if python[i] == rust[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut out = String::new();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && python[i] == rust[j] {
            let _ = writeln!(out, "      = {}", python[i]);
            i += 1;
            j += 1;
        } else if i < n
            && j < m
            && python[i].method == rust[j].method
            && python[i].path == rust[j].path
            && lcs[i + 1][j + 1] == lcs[i][j]
        {
            let _ = writeln!(out, "      ~ {} {}", python[i].method, python[i].path);
            for d in python[i].differences(&rust[j]) {
                let _ = writeln!(out, "          {d}");
            }
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            let _ = writeln!(out, "      - python only: {}", python[i]);
            i += 1;
        } else {
            let _ = writeln!(out, "      + rust only:   {}", rust[j]);
            j += 1;
        }
    }
    out
}
