//! Black-box tests: a real emulator on a real socket, driven with reqwest.

use std::time::{Duration, Instant};

use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};

use mstr_rest_emulator::{Emulator, EmulatorBuilder, Fault, RecordedRequest};

const TUTORIAL: &str = "B19DEDCC11D4E0EFC000EB9495D0F44F";
const MINUTE: Duration = Duration::from_secs(60);

/// A logged-in client: the token plus the `JSESSIONID=…` pair to send back.
#[derive(Debug, Clone)]
struct Login {
    token: String,
    cookie: String,
}

/// An emulator plus one client: building a rustls client costs more than most tests here.
struct Fixture {
    emulator: Emulator,
    http: reqwest::Client,
}

impl Fixture {
    fn new(emulator: Emulator) -> Self {
        Self {
            emulator,
            http: reqwest::Client::new(),
        }
    }

    async fn start() -> Self {
        Self::new(Emulator::start().await)
    }
}

impl std::ops::Deref for Fixture {
    type Target = Emulator;
    fn deref(&self) -> &Emulator {
        &self.emulator
    }
}

fn url(emulator: &Fixture, path: &str) -> String {
    format!("{}{path}", emulator.base_url())
}

async fn post_login(emulator: &Fixture, body: Value) -> Response {
    emulator
        .http
        .post(url(emulator, "auth/login"))
        .json(&body)
        .send()
        .await
        .expect("login request")
}

fn session_of(response: &Response) -> Login {
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let token = response.headers()["x-mstr-authtoken"]
        .to_str()
        .expect("token")
        .to_owned();
    let set_cookie = response.headers()["set-cookie"].to_str().expect("cookie");
    let cookie = set_cookie
        .split(';')
        .next()
        .expect("cookie pair")
        .to_owned();
    Login { token, cookie }
}

async fn login(emulator: &Fixture, body: Value) -> Login {
    session_of(&post_login(emulator, body).await)
}

async fn login_dave(emulator: &Fixture) -> Login {
    login(
        emulator,
        json!({"username": "dave", "password": "hellodave", "loginMode": 1}),
    )
    .await
}

/// A request carrying the session's token and cookie.
fn authed(emulator: &Fixture, method: Method, path: &str, login: &Login) -> RequestBuilder {
    emulator
        .http
        .request(method, url(emulator, path))
        .header("X-MSTR-AuthToken", &login.token)
        .header("Cookie", &login.cookie)
}

async fn send(request: RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.expect("request");
    let status = response.status();
    let bytes = response.bytes().await.expect("body");
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// Asserts an error answer and the shape every error body shares.
async fn expect_error(request: RequestBuilder, status: u16, code: &str) -> Value {
    let response = request.send().await.expect("request");
    assert_eq!(response.status().as_u16(), status);
    let content_type = response.headers()["content-type"]
        .to_str()
        .expect("ct")
        .to_owned();
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    let body: Value = response.json().await.expect("json error body");
    assert_eq!(body["code"], code, "{body}");
    assert!(body["message"].is_string(), "{body}");
    let ticket = body["ticketId"].as_str().expect("ticketId");
    assert_eq!(ticket.len(), 32);
    assert!(
        ticket.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')),
        "{ticket}"
    );
    body
}

#[tokio::test]
async fn standard_login_returns_204_token_cookie_and_no_cache_headers() {
    let emulator = Fixture::start().await;
    let response = post_login(
        &emulator,
        json!({"username": "dave", "password": "hellodave", "loginMode": 1, "applicationType": 35}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let headers = response.headers().clone();
    let token = headers["x-mstr-authtoken"].to_str().unwrap();
    assert_eq!(token.len(), 26);
    assert!(
        token
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    );
    let cookie = headers["set-cookie"].to_str().unwrap();
    let (pair, attributes) = cookie.split_once("; ").unwrap();
    let id = pair.strip_prefix("JSESSIONID=").unwrap();
    assert_eq!(id.len(), 32);
    assert!(id.chars().all(|c| matches!(c, '0'..='9' | 'A'..='F')));
    assert_eq!(attributes, "Path=/MicroStrategyLibrary; HttpOnly");
    assert_eq!(
        headers["cache-control"],
        "no-cache, no-store, max-age=0, must-revalidate"
    );
    assert_eq!(headers["pragma"], "no-cache");
    assert_eq!(headers["expires"], "0");
    assert!(response.bytes().await.unwrap().is_empty());
    assert_eq!(emulator.logins(), 1);
}

#[tokio::test]
async fn login_mode_defaults_to_standard_and_accepts_a_form_body() {
    let emulator = Fixture::start().await;
    login(
        &emulator,
        json!({"username": "dave", "password": "hellodave"}),
    )
    .await;
    // mstrio sends its login form-encoded; administrator has an empty password
    let response = emulator
        .http
        .post(url(&emulator, "auth/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("loginMode=1&applicationType=76&username=administrator&password=")
        .send()
        .await
        .unwrap();
    let admin = session_of(&response);
    let encoded = emulator
        .http
        .post(url(&emulator, "auth/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("username=dave&password=hello%64ave")
        .send()
        .await
        .unwrap();
    assert_eq!(encoded.status(), StatusCode::NO_CONTENT);
    let (status, info) = send(authed(&emulator, Method::GET, "sessions", &admin)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(info["fullName"], "Administrator");
}

#[tokio::test]
async fn ldap_users_log_in_only_with_mode_16_and_are_not_metadata_users() {
    let emulator = Fixture::start().await;
    let ldap = login(
        &emulator,
        json!({"username": "ldapdave", "password": "ldappass", "loginMode": 16}),
    )
    .await;
    let (_, info) = send(authed(&emulator, Method::GET, "sessions", &ldap)).await;
    assert_eq!(info["metadataUser"], false);
    let wrong_mode = emulator.http.post(url(&emulator, "auth/login"));
    expect_error(
        wrong_mode.json(&json!({"username": "ldapdave", "password": "ldappass", "loginMode": 1})),
        401,
        "ERR003",
    )
    .await;
    expect_error(
        emulator
            .http
            .post(url(&emulator, "auth/login"))
            .json(&json!({"username": "dave", "password": "hellodave", "loginMode": 16})),
        401,
        "ERR003",
    )
    .await;
}

#[tokio::test]
async fn api_key_login_uses_the_username_field_and_logs_in_as_dave() {
    let emulator = Fixture::start().await;
    let keyed = login(
        &emulator,
        json!({"username": "supersecretapikey", "loginMode": 4096, "applicationType": 8}),
    )
    .await;
    let (status, info) = send(authed(&emulator, Method::GET, "sessions", &keyed)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(info["fullName"], "Dave Bowman");
    assert_eq!(info["metadataUser"], true);
    expect_error(
        emulator
            .http
            .post(url(&emulator, "auth/login"))
            .json(&json!({"username": "wrongkey", "loginMode": 4096})),
        401,
        "ERR003",
    )
    .await;
}

#[tokio::test]
async fn anonymous_login_is_guest_by_default_and_err001_when_disabled() {
    let emulator = Fixture::start().await;
    let guest = login(&emulator, json!({"loginMode": 8, "applicationType": 8})).await;
    let (_, info) = send(authed(&emulator, Method::GET, "sessions", &guest)).await;
    assert_eq!(info["fullName"], "Guest");

    let closed = Fixture::new(Emulator::builder().anonymous(false).start().await);
    expect_error(
        emulator
            .http
            .post(url(&closed, "auth/login"))
            .json(&json!({"loginMode": 8})),
        401,
        "ERR001",
    )
    .await;
}

#[tokio::test]
async fn bad_password_is_401_err003_with_iserver_code() {
    let emulator = Fixture::start().await;
    let body = expect_error(
        emulator
            .http
            .post(url(&emulator, "auth/login"))
            .json(&json!({"username": "dave", "password": "nope", "loginMode": 1})),
        401,
        "ERR003",
    )
    .await;
    assert_eq!(body["message"], "Login failed");
    assert_eq!(body["iServerCode"], -2_147_216_959_i64);
    assert_eq!(emulator.logins(), 0);
    assert_eq!(emulator.open_sessions(), 0);
}

#[tokio::test]
async fn malformed_json_is_400_err006_and_unknown_mode_is_401_err001() {
    let emulator = Fixture::start().await;
    let body = expect_error(
        emulator
            .http
            .post(url(&emulator, "auth/login"))
            .header("content-type", "application/json")
            .body("{\"username\": "),
        400,
        "ERR006",
    )
    .await;
    assert_eq!(body["message"], "Invalid JSON");
    expect_error(
        emulator
            .http
            .post(url(&emulator, "auth/login"))
            .json(&json!({"username": "dave", "password": "hellodave", "loginMode": 128})),
        401,
        "ERR001",
    )
    .await;
}

#[tokio::test]
async fn missing_token_or_cookie_is_401_err009() {
    let emulator = Fixture::start().await;
    let dave = login_dave(&emulator).await;
    let body = expect_error(emulator.http.get(url(&emulator, "sessions")), 401, "ERR009").await;
    assert_eq!(
        body["message"],
        "The user's session has expired, please reauthenticate."
    );
    let token_only = emulator
        .http
        .get(url(&emulator, "sessions"))
        .header("x-mstr-authtoken", &dave.token);
    expect_error(token_only, 401, "ERR009").await;
    let wrong_cookie = emulator
        .http
        .get(url(&emulator, "sessions"))
        .header("X-MSTR-AUTHTOKEN", &dave.token)
        .header("Cookie", "JSESSIONID=0123456789ABCDEF0123456789ABCDEF");
    expect_error(wrong_cookie, 401, "ERR009").await;
    // the cookie may travel among others, and the header name in any case
    let among_others = emulator
        .http
        .get(url(&emulator, "sessions"))
        .header("x-mstr-authtoken", &dave.token)
        .header("Cookie", format!("lb=node1; {}", dave.cookie));
    assert_eq!(send(among_others).await.0, StatusCode::OK);
}

#[tokio::test]
async fn lenient_cookies_accept_a_bare_token() {
    let emulator = Fixture::new(Emulator::builder().strict_cookies(false).start().await);
    let dave = login_dave(&emulator).await;
    let token_only = emulator
        .http
        .get(url(&emulator, "sessions"))
        .header("X-MSTR-AuthToken", &dave.token);
    assert_eq!(send(token_only).await.0, StatusCode::OK);
}

#[tokio::test]
async fn logout_closes_the_session_and_a_second_logout_is_err009() {
    let emulator = Fixture::start().await;
    let dave = login_dave(&emulator).await;
    let response = authed(&emulator, Method::POST, "auth/logout", &dave)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(emulator.logouts(), 1);
    assert_eq!(emulator.open_sessions(), 0);
    expect_error(
        authed(&emulator, Method::GET, "projects", &dave),
        401,
        "ERR009",
    )
    .await;
    expect_error(
        authed(&emulator, Method::POST, "auth/logout", &dave),
        401,
        "ERR009",
    )
    .await;
    assert_eq!(emulator.logouts(), 1);
}

#[tokio::test]
async fn idle_sessions_expire_by_the_emulator_clock() {
    let emulator = Fixture::new(Emulator::builder().idle_timeout(10 * MINUTE).start().await);
    let dave = login_dave(&emulator).await;
    emulator.advance_clock(9 * MINUTE);
    assert_eq!(emulator.open_sessions(), 1);
    assert_eq!(
        send(authed(&emulator, Method::GET, "sessions", &dave))
            .await
            .0,
        StatusCode::OK
    );
    // that call reset the timer: 9 more minutes keep it alive, 11 do not
    emulator.advance_clock(9 * MINUTE);
    assert_eq!(emulator.open_sessions(), 1);
    emulator.advance_clock(2 * MINUTE);
    assert_eq!(emulator.open_sessions(), 0);
    expect_error(
        authed(&emulator, Method::GET, "sessions", &dave),
        401,
        "ERR009",
    )
    .await;
}

#[tokio::test]
async fn put_sessions_is_204_and_resets_the_idle_timer() {
    let emulator = Fixture::start().await;
    let dave = login_dave(&emulator).await;
    emulator.advance_clock(20 * MINUTE);
    let (status, _) = send(authed(&emulator, Method::PUT, "sessions", &dave)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    emulator.advance_clock(20 * MINUTE);
    let (status, body) = send(authed(&emulator, Method::GET, "sessions/lifetime", &dave)).await;
    assert_eq!(status, StatusCode::OK);
    // 30 min timeout, 20 min idle since the PUT: at most 10 min left
    let lifetime = body["lifetime"].as_u64().unwrap();
    assert!((599..=600).contains(&lifetime), "{lifetime}");
}

#[tokio::test]
async fn session_info_has_the_documented_shape() {
    let emulator = Fixture::start().await;
    let dave = login(
        &emulator,
        json!({"username": "dave", "password": "hellodave", "loginMode": 1, "workingSet": 20}),
    )
    .await;
    let (status, info) = send(authed(&emulator, Method::GET, "sessions", &dave)).await;
    assert_eq!(status, StatusCode::OK);
    let id = info["id"].as_str().unwrap();
    assert_eq!(id.len(), 32);
    assert!(id.chars().all(|c| matches!(c, '0'..='9' | 'A'..='F')));
    assert_eq!(info["fullName"], "Dave Bowman");
    assert_eq!(info["initials"], "DB");
    assert_eq!(info["locale"], 1033);
    assert_eq!(info["maxSearch"], 3);
    assert_eq!(info["workingSet"], 20);
    assert_eq!(info["timeout"], 1800);
    assert_eq!(info["metadataUser"], true);
    let (_, user_info) = send(authed(&emulator, Method::GET, "sessions/userInfo", &dave)).await;
    assert_eq!(user_info, info);
}

#[tokio::test]
async fn identity_token_delegates_once_to_a_new_working_session() {
    let emulator = Fixture::start().await;
    let dave = login_dave(&emulator).await;
    let response = authed(&emulator, Method::POST, "auth/identityToken", &dave)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let identity = response.headers()["x-mstr-identitytoken"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(response.bytes().await.unwrap().is_empty());

    let (status, checked) = send(
        emulator
            .http
            .get(url(&emulator, "auth/identityToken"))
            .header("X-MSTR-IdentityToken", &identity),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, info) = send(authed(&emulator, Method::GET, "sessions", &dave)).await;
    assert_eq!(checked["userId"], info["id"]);

    // mstrio sends the mode as a string
    let delegate = || {
        emulator
            .http
            .post(url(&emulator, "auth/delegate"))
            .json(&json!({"loginMode": "-1", "identityToken": identity}))
    };
    let delegated = session_of(&delegate().send().await.unwrap());
    assert_ne!(delegated.token, dave.token);
    assert_ne!(delegated.cookie, dave.cookie);
    let (status, delegated_info) =
        send(authed(&emulator, Method::GET, "sessions", &delegated)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(delegated_info["id"], info["id"]);
    assert_eq!(emulator.logins(), 2);
    assert_eq!(emulator.open_sessions(), 2);

    expect_error(delegate(), 401, "ERR003").await;
    expect_error(
        emulator
            .http
            .post(url(&emulator, "auth/delegate"))
            .json(&json!({"loginMode": -1, "identityToken": "made-up"})),
        401,
        "ERR003",
    )
    .await;
}

#[tokio::test]
async fn logout_also_closes_sessions_delegated_from_it() {
    let emulator = Fixture::start().await;
    let dave = login_dave(&emulator).await;
    let response = authed(&emulator, Method::POST, "auth/identityToken", &dave)
        .send()
        .await
        .unwrap();
    let identity = response.headers()["x-mstr-identitytoken"]
        .to_str()
        .unwrap()
        .to_owned();
    let delegated = session_of(
        &emulator
            .http
            .post(url(&emulator, "auth/delegate"))
            .json(&json!({"loginMode": -1, "identityToken": identity}))
            .send()
            .await
            .unwrap(),
    );
    let other = login_dave(&emulator).await;
    assert_eq!(emulator.open_sessions(), 3);
    let (status, _) = send(authed(&emulator, Method::POST, "auth/logout", &dave)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    expect_error(
        authed(&emulator, Method::GET, "sessions", &delegated),
        401,
        "ERR009",
    )
    .await;
    assert_eq!(
        send(authed(&emulator, Method::GET, "sessions", &other))
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(emulator.open_sessions(), 1);
}

#[tokio::test]
async fn projects_are_listed_and_found_by_name() {
    let emulator = Fixture::start().await;
    let dave = login_dave(&emulator).await;
    let (status, list) = send(authed(&emulator, Method::GET, "projects", &dave)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list.as_array().unwrap().len(), 3);
    assert_eq!(
        list[0],
        json!({"id": TUTORIAL, "name": "MicroStrategy Tutorial", "alias": "", "description": "", "status": 0})
    );
    let (status, one) = send(authed(
        &emulator,
        Method::GET,
        "projects/Consolidated%20Education%20Project",
        &dave,
    ))
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one["id"], "B7CA92F04B9FAE8D941C3E9B7E0CD754");
    expect_error(
        authed(&emulator, Method::GET, "projects/Nope", &dave),
        404,
        "ERR004",
    )
    .await;
    expect_error(emulator.http.get(url(&emulator, "projects")), 401, "ERR009").await;
}

#[tokio::test]
async fn builder_replaces_default_projects_and_adds_users() {
    let emulator = Fixture::new(
        Emulator::builder()
            .no_default_projects()
            .project("0123456789ABCDEF0123456789ABCDEF", "Sales")
            .project("FEDCBA9876543210FEDCBA9876543210", "Sales")
            .user("hal", "9000")
            .idle_timeout(5 * MINUTE)
            .start()
            .await,
    );
    let hal = login(&emulator, json!({"username": "hal", "password": "9000"})).await;
    let (_, list) = send(authed(&emulator, Method::GET, "projects", &hal)).await;
    assert_eq!(list.as_array().unwrap().len(), 2);
    let (_, sales) = send(authed(&emulator, Method::GET, "projects/Sales", &hal)).await;
    assert_eq!(sales["id"], "0123456789ABCDEF0123456789ABCDEF");
    let (_, info) = send(authed(&emulator, Method::GET, "sessions", &hal)).await;
    assert_eq!(info["timeout"], 300);
    assert_eq!(info["fullName"], "hal");
}

#[tokio::test]
async fn project_header_is_required_and_checked_on_scoped_calls() {
    let emulator = Fixture::start().await;
    let dave = login_dave(&emulator).await;
    let body = expect_error(
        authed(&emulator, Method::GET, "sessions/projectId", &dave),
        400,
        "ERR005",
    )
    .await;
    assert_eq!(body["message"], "X-MSTR-ProjectID header is required");
    let unknown = authed(&emulator, Method::GET, "searches/results", &dave)
        .header("X-MSTR-ProjectID", "00000000000000000000000000000000");
    let body = expect_error(unknown, 404, "ERR004").await;
    assert_eq!(body["iServerCode"], -2_147_209_151_i64);
    let (status, info) = send(
        authed(&emulator, Method::GET, "sessions/projectId", &dave)
            .header("X-MSTR-ProjectID", TUTORIAL),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(info["fullName"], "Dave Bowman");
    let (status, found) = send(
        authed(&emulator, Method::GET, "searches/results", &dave)
            .query(&[("name", "Revenue"), ("pattern", "4")])
            .header("X-MSTR-ProjectID", TUTORIAL),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(found["totalItems"], 1);
    assert_eq!(found["result"][0]["name"], "Revenue by Region");
}

#[tokio::test]
async fn unknown_path_is_404_err004_and_wrong_method_is_405_err001() {
    let emulator = Fixture::start().await;
    let body = expect_error(
        emulator.http.get(url(&emulator, "no/such/thing")),
        404,
        "ERR004",
    )
    .await;
    assert_eq!(body["message"], "HTTP 404 Not Found");
    expect_error(
        emulator
            .http
            .get(format!("{}/elsewhere", emulator.origin())),
        404,
        "ERR004",
    )
    .await;
    let body = expect_error(
        emulator.http.get(url(&emulator, "auth/login")),
        405,
        "ERR001",
    )
    .await;
    assert_eq!(body["message"], "HTTP 405 Method Not Allowed");
    let dave = login_dave(&emulator).await;
    expect_error(
        authed(&emulator, Method::DELETE, "sessions", &dave),
        405,
        "ERR001",
    )
    .await;
}

#[tokio::test]
async fn api_fault_applies_times_matching_requests_then_goes_away() {
    let emulator = Fixture::start().await;
    let dave = login_dave(&emulator).await;
    emulator.inject(Fault::path("projects").method("get").times(2).respond_api(
        500,
        "ERR002",
        "IServer error",
        Some(-2_147_072_486),
    ));
    // the method filter lets other methods and paths through
    assert_eq!(
        send(authed(&emulator, Method::GET, "sessions", &dave))
            .await
            .0,
        StatusCode::OK
    );
    for _ in 0..2 {
        let body = expect_error(
            authed(&emulator, Method::GET, "projects", &dave),
            500,
            "ERR002",
        )
        .await;
        assert_eq!(body["iServerCode"], -2_147_072_486_i64);
    }
    assert_eq!(
        send(authed(&emulator, Method::GET, "projects", &dave))
            .await
            .0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn forbidden_faults_use_the_short_code_spelling() {
    let emulator = Fixture::start().await;
    emulator.inject(Fault::any().respond_api(403, "ERR0014", "no privilege", None));
    emulator.inject(Fault::any().respond_api(403, "ERR0017", "no permission", None));
    let body = expect_error(emulator.http.get(url(&emulator, "projects")), 403, "ERR014").await;
    assert!(body.get("iServerCode").is_none());
    expect_error(emulator.http.get(url(&emulator, "projects")), 403, "ERR017").await;
}

#[tokio::test]
async fn html_empty_and_raw_faults_send_exactly_that() {
    let emulator = Fixture::start().await;
    emulator.inject(Fault::path("auth/login").respond_html(502, "<html>Bad Gateway</html>"));
    emulator.inject(Fault::path("auth/login").respond_empty(503));
    emulator.inject(Fault::path("auth/login").respond_raw(500, "text/plain", b"oops"));
    let body = json!({"username": "dave", "password": "hellodave"});

    let html = post_login(&emulator, body.clone()).await;
    assert_eq!(html.status(), StatusCode::BAD_GATEWAY);
    assert!(
        html.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert_eq!(html.text().await.unwrap(), "<html>Bad Gateway</html>");

    let empty = post_login(&emulator, body.clone()).await;
    assert_eq!(empty.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(empty.headers().get("content-type").is_none());
    assert!(empty.bytes().await.unwrap().is_empty());

    let raw = post_login(&emulator, body.clone()).await;
    assert_eq!(raw.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(raw.headers()["content-type"], "text/plain");
    assert_eq!(raw.text().await.unwrap(), "oops");

    assert_eq!(
        post_login(&emulator, body).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(emulator.logins(), 1);
}

#[tokio::test]
async fn delay_fault_waits_then_answers_normally() {
    let emulator = Fixture::start().await;
    let delay = Duration::from_millis(100);
    emulator.inject(Fault::path("auth/login").delay(delay));
    let started = Instant::now();
    let response = post_login(
        &emulator,
        json!({"username": "dave", "password": "hellodave"}),
    )
    .await;
    assert!(started.elapsed() >= delay);
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn expire_session_fault_turns_the_call_into_err009() {
    let emulator = Fixture::start().await;
    let dave = login_dave(&emulator).await;
    emulator.inject(Fault::path("sessions").expire_session());
    expect_error(
        authed(&emulator, Method::GET, "sessions", &dave),
        401,
        "ERR009",
    )
    .await;
    assert_eq!(emulator.open_sessions(), 0);
    // the fault is used up: a fresh login works normally
    let again = login_dave(&emulator).await;
    assert_eq!(
        send(authed(&emulator, Method::GET, "sessions", &again))
            .await
            .0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn faults_apply_before_routing_even_on_unknown_paths() {
    let emulator = Fixture::start().await;
    emulator.inject(Fault::path("made/up").respond_empty(418));
    let response = emulator
        .http
        .get(url(&emulator, "made/up"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 418);
    emulator.inject(Fault::path("projects").times(0).respond_empty(500));
    expect_error(emulator.http.get(url(&emulator, "projects")), 401, "ERR009").await;
}

#[tokio::test]
async fn requests_are_recorded_with_path_query_lowercased_headers_and_body() {
    let emulator = Fixture::start().await;
    let dave = login_dave(&emulator).await;
    let _ = authed(&emulator, Method::GET, "searches/results", &dave)
        .query(&[("name", "x")])
        .header("X-MSTR-ProjectID", TUTORIAL)
        .send()
        .await
        .unwrap();
    let _ = emulator
        .http
        .get(url(&emulator, "nowhere"))
        .send()
        .await
        .unwrap();

    let requests = emulator.requests();
    assert_eq!(requests.len(), 3);
    let login = &requests[0];
    assert_eq!(
        (login.method.as_str(), login.path.as_str()),
        ("POST", "auth/login")
    );
    assert_eq!(login.json().unwrap()["password"], "hellodave");
    let search = &requests[1];
    assert_eq!(search.path, "searches/results");
    assert_eq!(search.query.as_deref(), Some("name=x"));
    assert!(
        search
            .headers
            .iter()
            .any(|(k, v)| k == "x-mstr-projectid" && v == TUTORIAL)
    );
    assert!(
        search
            .headers
            .iter()
            .all(|(k, _)| *k == k.to_ascii_lowercase())
    );
    assert_eq!(search.header("X-MSTR-AuthToken"), Some(dave.token.as_str()));
    assert!(search.body.is_empty() && search.json().is_none());
    assert_eq!(requests[2].path, "nowhere");

    assert_eq!(emulator.count("POST", "auth/login"), 1);
    assert_eq!(emulator.count("post", "auth/login"), 1);
    assert_eq!(emulator.count("GET", "auth/login"), 0);
    emulator.clear_requests();
    assert!(emulator.requests().is_empty());
    assert_eq!(emulator.logins(), 1);
}

#[tokio::test]
async fn recording_can_be_switched_off() {
    let emulator = Fixture::new(Emulator::builder().record_requests(false).start().await);
    login_dave(&emulator).await;
    assert!(emulator.requests().is_empty());
    assert_eq!(emulator.count("POST", "auth/login"), 0);
    assert_eq!(emulator.logins(), 1);
}

#[tokio::test]
async fn open_sessions_counts_live_sessions_only() {
    let emulator = Fixture::start().await;
    assert_eq!(emulator.open_sessions(), 0);
    let first = login_dave(&emulator).await;
    login_dave(&emulator).await;
    login(&emulator, json!({"loginMode": 8})).await;
    assert_eq!(emulator.open_sessions(), 3);
    send(authed(&emulator, Method::POST, "auth/logout", &first)).await;
    assert_eq!(emulator.open_sessions(), 2);
    emulator.expire_all_sessions();
    assert_eq!(emulator.open_sessions(), 0);
    assert_eq!((emulator.logins(), emulator.logouts()), (3, 1));
}

#[tokio::test]
async fn shutdown_closes_the_listener() {
    let emulator = Fixture::start().await;
    let base = emulator.base_url();
    emulator.emulator.shutdown().await;
    let refused = reqwest::Client::new()
        .get(format!("{base}projects"))
        .send()
        .await;
    assert!(refused.is_err_and(|e| e.is_connect()));
}

#[test]
fn public_types_can_cross_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Emulator>();
    send_sync::<EmulatorBuilder>();
    send_sync::<Fault>();
    send_sync::<RecordedRequest>();
}

#[test]
fn builder_debug_hides_passwords_and_api_keys() {
    let builder = Emulator::builder()
        .user("hal", "opensesame")
        .api_key("topsecretkey", "hal");
    let debug = format!("{builder:?}");
    for secret in [
        "hellodave",
        "ldappass",
        "supersecretapikey",
        "opensesame",
        "topsecretkey",
    ] {
        assert!(!debug.contains(secret), "{secret} leaked: {debug}");
    }
    assert!(debug.contains("hal"));
}
