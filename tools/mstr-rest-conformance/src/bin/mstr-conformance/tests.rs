//! The comparison itself: what it tolerates (only the listed differences, only where listed),
//! and what it must catch.

use serde_json::{Value, json};

use crate::compare::{Rule, Side, compare, diff};
use crate::scenarios::{Kind, SCENARIOS};
use crate::wire::{Exchange, Secrets, Sent, WireRequest};

/// An exchange as the emulator lists it.
fn exchange(
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
    status: u16,
    response_headers: &[(&str, &str)],
) -> Exchange {
    let pairs =
        |h: &[(&str, &str)]| -> Vec<Value> { h.iter().map(|(n, v)| json!([n, v])).collect() };
    Exchange::from_json(&json!({
        "seq": 1, "method": method, "path": path, "query": null,
        "headers": pairs(headers), "body": body,
        "response": {"status": status, "headers": pairs(response_headers), "body": "",
                     "bodyError": null, "injectedFault": false},
    }))
    .expect("a well-formed exchange")
}

const LOGIN_BODY: &str =
    r#"{"username":"dave","password":"hellodave","loginMode":1,"applicationType":8}"#;

/// A login answered with token `t` and cookie `c`, sent with these headers.
fn login(headers: &[(&str, &str)], t: &str, c: &str) -> Exchange {
    let mut all = vec![("content-type", "application/json")];
    all.extend_from_slice(headers);
    let cookie = format!("JSESSIONID={c}; Path=/MicroStrategyLibrary; HttpOnly");
    exchange(
        "POST",
        "auth/login",
        &all,
        LOGIN_BODY,
        204,
        &[("x-mstr-authtoken", t), ("set-cookie", &cookie)],
    )
}

fn get(path: &str, headers: &[(&str, &str)], status: u16) -> Exchange {
    exchange("GET", path, headers, "", status, &[])
}

fn side(exchanges: &[Exchange], steps: Vec<Value>) -> Side {
    let mut secrets = Secrets::default();
    secrets.learn(exchanges);
    let sent = exchanges
        .iter()
        .map(|e| Sent {
            request: WireRequest::from_exchange(e, &secrets),
            status: e.status,
        })
        .collect();
    Side {
        sent,
        steps,
        secrets,
    }
}

fn ok(step: &str, value: Value) -> Value {
    json!({"step": step, "ok": true, "value": value})
}

fn failed(step: &str, kind: &str, code: &str, status: u16) -> Value {
    json!({"step": step, "ok": false, "kind": kind, "code": code, "status": status, "iserver_code": null})
}

#[test]
fn tokens_and_cookies_from_different_runs_compare_by_order_of_issue() {
    let python = side(
        &[
            login(&[], "pytoken", "PYCOOKIE"),
            get(
                "sessions",
                &[
                    ("x-mstr-authtoken", "pytoken"),
                    ("cookie", "JSESSIONID=PYCOOKIE"),
                ],
                200,
            ),
        ],
        vec![ok("login", Value::Null)],
    );
    let rust = side(
        &[
            login(&[], "rstoken", "RSCOOKIE"),
            get(
                "sessions",
                &[
                    ("x-mstr-authtoken", "rstoken"),
                    ("cookie", "JSESSIONID=RSCOOKIE"),
                ],
                200,
            ),
        ],
        vec![ok("login", Value::Null)],
    );
    let verdict = compare(&python, &rust, &[]);
    assert!(verdict.matches(), "{:?}", verdict.problems);
    assert!(verdict.fired.is_empty());
    assert_eq!(
        rust.sent[1].request.token(),
        Some("<token 1>"),
        "secrets are named, never shown"
    );
}

#[test]
fn rust_using_a_stale_token_is_caught() {
    let two_logins = |t2: &str| {
        vec![
            login(&[], "a1", "C1"),
            login(&[], "a2", "C2"),
            get(
                "sessions",
                &[("x-mstr-authtoken", t2), ("cookie", "JSESSIONID=C2")],
                200,
            ),
        ]
    };
    let python = side(&two_logins("a2"), vec![]);
    let rust = side(&two_logins("a1"), vec![]);
    let verdict = compare(&python, &rust, &[]);
    assert!(!verdict.matches());
    let text = verdict.problems.join("\n");
    assert!(
        text.contains("x-mstr headers: python {x-mstr-authtoken=<token 2>} / rust {x-mstr-authtoken=<token 1>}"),
        "{text}"
    );
}

#[test]
fn python_re_sending_its_session_on_login_is_tolerated_but_rust_doing_it_is_not() {
    let stale = [("x-mstr-authtoken", "t1"), ("cookie", "JSESSIONID=C1")];
    let python = side(&[login(&[], "t1", "C1"), login(&stale, "t2", "C2")], vec![]);
    let clean_rust = side(&[login(&[], "t1", "C1"), login(&[], "t2", "C2")], vec![]);
    let verdict = compare(&python, &clean_rust, &[Rule::LoginDropsOldSession]);
    assert!(verdict.matches(), "{:?}", verdict.problems);
    assert!(verdict.fired.contains(&Rule::LoginDropsOldSession));

    let leaky_rust = side(
        &[
            login(&[], "t1", "C1"),
            login(&[("cookie", "JSESSIONID=C1")], "t2", "C2"),
        ],
        vec![],
    );
    let verdict = compare(&python, &leaky_rust, &[Rule::LoginDropsOldSession]);
    assert!(
        !verdict.matches(),
        "a Rust login carrying the old cookie must fail"
    );
    assert!(
        verdict.problems[0].contains("cookies: python {} / rust {JSESSIONID=<cookie 1>}"),
        "{:?}",
        verdict.problems
    );
}

#[test]
fn an_expected_difference_must_be_listed_and_a_listed_one_must_occur() {
    let python = side(
        &[
            login(&[], "t1", "C1"),
            get("projects", &[("cookie", "JSESSIONID=C1")], 401),
        ],
        vec![],
    );
    let rust = side(&[login(&[], "t1", "C1"), get("projects", &[], 401)], vec![]);
    let unlisted = compare(&python, &rust, &[]);
    assert!(
        unlisted
            .problems
            .iter()
            .any(|p| p.contains("does not list it")),
        "{:?}",
        unlisted.problems
    );
    assert!(compare(&python, &rust, &[Rule::WithoutAuthSendsNoCookie]).matches());

    let same = side(&[login(&[], "t1", "C1")], vec![]);
    let stale = compare(&same, &same, &[Rule::RetriesIdempotent]);
    assert!(
        stale.problems.iter().any(|p| p.contains("did not occur")),
        "{:?}",
        stale.problems
    );
}

#[test]
fn a_cookie_without_token_after_logout_is_its_own_expected_difference() {
    let auth = [("x-mstr-authtoken", "t1"), ("cookie", "JSESSIONID=C1")];
    let logout = exchange("POST", "auth/logout", &auth, "", 204, &[]);
    let python = side(
        &[
            login(&[], "t1", "C1"),
            logout.clone(),
            get("projects", &[("cookie", "JSESSIONID=C1")], 401),
        ],
        vec![],
    );
    let rust = side(
        &[login(&[], "t1", "C1"), logout, get("projects", &[], 401)],
        vec![],
    );
    let verdict = compare(&python, &rust, &[Rule::LogoutClearsCookies]);
    assert!(verdict.matches(), "{:?}", verdict.problems);
}

#[test]
fn retries_are_collapsed_only_after_a_retryable_status_on_an_idempotent_method() {
    let python = side(&[get("projects", &[], 503)], vec![]);
    let retried = side(
        &[
            get("projects", &[], 503),
            get("projects", &[], 503),
            get("projects", &[], 503),
        ],
        vec![],
    );
    assert!(compare(&python, &retried, &[Rule::RetriesIdempotent]).matches());

    let python = side(&[get("projects", &[], 500)], vec![]);
    let repeated_500 = side(
        &[get("projects", &[], 500), get("projects", &[], 500)],
        vec![],
    );
    assert!(
        !compare(&python, &repeated_500, &[]).matches(),
        "500 is not retried"
    );

    let post = |status| exchange("POST", "datasets", &[], "{}", status, &[]);
    let python = side(&[post(503)], vec![]);
    let repeated_post = side(&[post(503), post(503)], vec![]);
    let verdict = compare(&python, &repeated_post, &[]);
    assert!(!verdict.matches(), "a POST is never retried silently");
    assert!(
        verdict.problems[0].contains("+ rust only:   POST datasets"),
        "{:?}",
        verdict.problems
    );
}

#[test]
fn outcomes_must_agree_except_for_the_listed_cases() {
    let requests = [get("projects", &[], 403)];
    let python = side(
        &requests,
        vec![failed("get_projects_raw", "Other", "ERR014", 403)],
    );
    let rust = side(
        &requests,
        vec![failed(
            "get_projects_raw",
            "InsufficientPrivileges",
            "ERR014",
            403,
        )],
    );
    assert!(compare(&python, &rust, &[Rule::ShortForbiddenCodes]).matches());

    let long = side(
        &requests,
        vec![failed("get_projects_raw", "Other", "ERR0014", 403)],
    );
    let rust_long = side(
        &requests,
        vec![failed(
            "get_projects_raw",
            "InsufficientPrivileges",
            "ERR0014",
            403,
        )],
    );
    let verdict = compare(&long, &rust_long, &[Rule::ShortForbiddenCodes]);
    assert!(
        !verdict.matches(),
        "the four-digit spelling must map alike in both libraries"
    );

    let python = side(&[], vec![ok("project_id", json!("B19D"))]);
    let rust = side(&[], vec![ok("project_id", json!(null))]);
    let verdict = compare(&python, &rust, &[]);
    assert_eq!(verdict.problems.len(), 1);
    assert!(
        verdict.problems[0].starts_with("step \"project_id\""),
        "{:?}",
        verdict.problems
    );
}

#[test]
fn json_bodies_compare_as_values_not_text() {
    let post = |body: &str| {
        exchange(
            "POST",
            "conformance/echo",
            &[("content-type", "application/json; charset=utf-8")],
            body,
            404,
            &[],
        )
    };
    let python = side(&[post(r#"{"b":1,"a":[true, null]}"#)], vec![]);
    let rust = side(&[post(r#"{ "a": [true,null], "b": 1 }"#)], vec![]);
    assert!(compare(&python, &rust, &[]).matches());

    let different = side(&[post(r#"{"a":[true,null],"b":2}"#)], vec![]);
    let verdict = compare(&python, &different, &[]);
    assert!(
        verdict.problems[0].contains(
            "body: python {\"a\":[true,null],\"b\":1} / rust {\"a\":[true,null],\"b\":2}"
        ),
        "{:?}",
        verdict.problems
    );
}

#[test]
fn only_a_delegated_tokens_logout_counts_as_the_close_difference() {
    let delegated = exchange(
        "POST",
        "auth/delegate",
        &[],
        r#"{"loginMode":-1,"identityToken":"i"}"#,
        204,
        &[
            ("x-mstr-authtoken", "d1"),
            ("set-cookie", "JSESSIONID=D1; Path=/"),
        ],
    );
    let logout = |t: &str, c: &str| {
        let cookie = format!("JSESSIONID={c}");
        exchange(
            "POST",
            "auth/logout",
            &[("x-mstr-authtoken", t), ("cookie", &cookie)],
            "",
            204,
            &[],
        )
    };
    let python = side(&[login(&[], "t1", "C1"), delegated.clone()], vec![]);
    let rust = side(
        &[login(&[], "t1", "C1"), delegated, logout("d1", "D1")],
        vec![],
    );
    assert!(compare(&python, &rust, &[Rule::DelegatedCloseLogsOut]).matches());

    let python = side(&[login(&[], "t1", "C1")], vec![]);
    let rust = side(&[login(&[], "t1", "C1"), logout("t1", "C1")], vec![]);
    assert!(
        !compare(&python, &rust, &[Rule::DelegatedCloseLogsOut]).matches(),
        "logging out a session of its own login is no delegated close"
    );
}

#[test]
fn saved_sessions_compare_on_base_url_cookies_and_session_headers() {
    let dump = |headers: &str| {
        format!(
            r#"{{"base_url": "http://127.0.0.1:1/MicroStrategyLibrary/api/", "cookies": {{"JSESSIONID": "C1"}}, "headers": {{{headers}}}}}"#
        )
    };
    let requests = [login(&[], "t1", "C1")];
    let python = side(
        &requests,
        vec![ok(
            "dump",
            json!(dump(
                r#""user-agent": "python-httpx/0.28.1", "x-mstr-authtoken": "t1""#
            )),
        )],
    );
    let rust = side(
        &requests,
        vec![ok("dump", json!(dump(r#""x-mstr-authtoken": "t1""#)))],
    );
    let verdict = compare(&python, &rust, &[Rule::PythonDumpsTransportHeaders]);
    assert!(verdict.matches(), "{:?}", verdict.problems);

    let chatty_rust = side(
        &requests,
        vec![ok(
            "dump",
            json!(dump(
                r#""user-agent": "mstr-rest", "x-mstr-authtoken": "t1""#
            )),
        )],
    );
    assert!(!compare(&python, &chatty_rust, &[Rule::PythonDumpsTransportHeaders]).matches());
}

#[test]
fn the_diff_marks_missing_extra_and_changed_requests() {
    let secrets = Secrets::default();
    let request = |e: Exchange| WireRequest::from_exchange(&e, &secrets);
    let python = [
        request(get("a", &[], 200)),
        request(get("b", &[("x-mstr-projectid", "P")], 200)),
        request(get("c", &[], 200)),
    ];
    let rust = [
        request(get("a", &[], 200)),
        request(get("b", &[], 200)),
        request(get("d", &[], 200)),
    ];
    let text = diff(&python, &rust);
    assert!(text.contains("      = GET a"), "{text}");
    assert!(text.contains("      ~ GET b"), "{text}");
    assert!(
        text.contains("x-mstr headers: python {x-mstr-projectid=P} / rust {}"),
        "{text}"
    );
    assert!(text.contains("- python only: GET c"), "{text}");
    assert!(text.contains("+ rust only:   GET d"), "{text}");
}

#[test]
fn scenario_names_are_unique_and_every_rule_is_shown_somewhere() {
    let mut names: Vec<&str> = SCENARIOS.iter().map(|s| s.name).collect();
    names.sort_unstable();
    let before = names.len();
    names.dedup();
    assert_eq!(names.len(), before, "duplicate scenario names");
    for rule in crate::compare::ALL_RULES {
        assert!(
            SCENARIOS.iter().any(|s| s.expected.contains(&rule)),
            "{} ({}) is listed by no scenario",
            rule.label(),
            rule.title()
        );
    }
    assert_eq!(
        SCENARIOS
            .iter()
            .filter(|s| matches!(s.kind, Kind::HandOff { .. }))
            .count(),
        2,
        "both directions of the hand-off"
    );
}

#[test]
fn arguments_parse_and_unknown_ones_are_refused() {
    let args = |a: &[&str]| crate::parse(a.iter().map(|s| (*s).to_owned()));
    let options = args(&[
        "--scenario",
        "login",
        "--bless",
        "-v",
        "--emulator",
        "/x/emu",
    ])
    .expect("valid")
    .expect("not help");
    assert_eq!(options.only.as_deref(), Some("login"));
    assert!(options.bless && options.verbose);
    assert_eq!(options.emulator, std::path::PathBuf::from("/x/emu"));
    assert!(args(&["--help"]).expect("valid").is_none());
    assert!(args(&["--frobnicate"]).is_err());
    assert!(args(&["--venv"]).is_err(), "a flag without its value");
}
