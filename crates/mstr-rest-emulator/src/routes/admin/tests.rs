//! The control routes, black-box: an emulator with `admin_routes(true)` on a real socket.

use std::time::Duration;

use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};

use crate::{Emulator, Fault};

async fn admin_emulator() -> (Emulator, Client) {
    let emulator = Emulator::builder().admin_routes(true).start().await;
    (emulator, Client::new())
}

fn control(emulator: &Emulator, route: &str) -> String {
    format!("{}/__emulator/{route}", emulator.origin())
}

/// Logs dave in; returns the token and the `JSESSIONID=…` pair.
async fn login(emulator: &Emulator, http: &Client) -> (String, String) {
    let response = http
        .post(format!("{}auth/login", emulator.base_url()))
        .json(&json!({"username": "dave", "password": "hellodave", "loginMode": 1}))
        .send()
        .await
        .expect("login");
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let token = response.headers()["x-mstr-authtoken"]
        .to_str()
        .expect("token")
        .to_owned();
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .split(';')
        .next()
        .expect("pair")
        .to_owned();
    (token, cookie)
}

async fn session_status(emulator: &Emulator, http: &Client, login: &(String, String)) -> u16 {
    http.get(format!("{}sessions", emulator.base_url()))
        .header("X-MSTR-AuthToken", &login.0)
        .header("Cookie", &login.1)
        .send()
        .await
        .expect("sessions")
        .status()
        .as_u16()
}

async fn exchanges(emulator: &Emulator, http: &Client) -> Vec<Value> {
    let response = http
        .get(control(emulator, "requests"))
        .send()
        .await
        .expect("exchanges");
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("json list")
}

async fn post_json(http: &Client, url: String, body: Value) -> Response {
    http.post(url)
        .json(&body)
        .send()
        .await
        .expect("control call")
}

#[tokio::test]
async fn control_routes_are_off_by_default_and_answer_like_an_unknown_path() {
    let emulator = Emulator::start().await;
    let response = Client::new()
        .get(control(&emulator, "requests"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["code"], "ERR004");
}

#[tokio::test]
async fn exchanges_keep_each_request_with_its_response_and_skip_control_calls() {
    let (emulator, http) = admin_emulator().await;
    let session = login(&emulator, &http).await;
    http.get(format!("{}projects?fields=id", emulator.base_url()))
        .header("X-MSTR-AuthToken", &session.0)
        .header("Cookie", &session.1)
        .send()
        .await
        .expect("projects");

    let log = exchanges(&emulator, &http).await;
    assert_eq!(log.len(), 2, "{log:#?}");
    let (first, second) = (&log[0], &log[1]);
    assert_eq!(first["seq"], 1);
    assert_eq!(first["method"], "POST");
    assert_eq!(first["path"], "auth/login");
    let sent: Value = serde_json::from_str(first["body"].as_str().expect("body")).expect("json");
    assert_eq!(sent["username"], "dave");
    assert_eq!(first["response"]["status"], 204);
    let token_header = first["response"]["headers"]
        .as_array()
        .expect("headers")
        .iter()
        .find(|pair| pair[0] == "x-mstr-authtoken")
        .expect("token header recorded");
    assert_eq!(token_header[1], session.0.as_str());
    assert_eq!(first["response"]["injectedFault"], false);

    assert_eq!(second["path"], "projects");
    assert_eq!(second["query"], "fields=id");
    assert_eq!(second["response"]["status"], 200);
    let listed: Value =
        serde_json::from_str(second["response"]["body"].as_str().expect("body")).expect("json");
    assert_eq!(listed[0]["name"], "MicroStrategy Tutorial");
    // The in-process log sees API calls only, too.
    assert_eq!(emulator.requests().len(), 2);
}

#[tokio::test]
async fn reset_ends_sessions_and_forgets_counters_exchanges_faults_and_the_clock() {
    let (emulator, http) = admin_emulator().await;
    let session = login(&emulator, &http).await;
    emulator.inject(Fault::path("projects").respond_empty(503));
    emulator.advance_clock(Duration::from_secs(10 * 60));

    let reset = http
        .post(control(&emulator, "reset"))
        .send()
        .await
        .expect("reset");
    assert_eq!(reset.status(), StatusCode::NO_CONTENT);
    assert_eq!(emulator.logins(), 0);
    assert_eq!(emulator.open_sessions(), 0);
    assert!(exchanges(&emulator, &http).await.is_empty());
    assert!(emulator.requests().is_empty());

    assert_eq!(session_status(&emulator, &http, &session).await, 401);
    let fresh = login(&emulator, &http).await;
    // The queued 503 is gone, and with the offset undone 29 minutes of idling are fine.
    emulator.advance_clock(Duration::from_secs(29 * 60));
    assert_eq!(session_status(&emulator, &http, &fresh).await, 200);
}

#[tokio::test]
async fn faults_posted_as_json_answer_the_next_request_and_are_marked_in_the_log() {
    let (emulator, http) = admin_emulator().await;
    let queued = post_json(
        &http,
        control(&emulator, "faults"),
        json!({"path": "projects", "method": "GET", "times": 2,
               "respond": {"status": 403, "code": "ERR0014", "message": "No privilege", "iServerCode": -1}}),
    )
    .await;
    assert_eq!(queued.status(), StatusCode::NO_CONTENT);

    for _ in 0..2 {
        let response = http
            .get(format!("{}projects", emulator.base_url()))
            .send()
            .await
            .expect("projects");
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["code"], "ERR014", "403 uses the short spelling");
        assert_eq!(body["iServerCode"], -1);
    }
    let third = http
        .get(format!("{}projects", emulator.base_url()))
        .send()
        .await
        .expect("projects");
    assert_eq!(third.status(), StatusCode::UNAUTHORIZED, "fault used up");

    let log = exchanges(&emulator, &http).await;
    let marks: Vec<&Value> = log
        .iter()
        .map(|e| &e["response"]["injectedFault"])
        .collect();
    assert_eq!(marks, [&json!(true), &json!(true), &json!(false)]);
}

#[tokio::test]
async fn raw_and_reset_faults_are_recorded_as_sent() {
    let (emulator, http) = admin_emulator().await;
    for respond in [
        json!({"status": 502, "contentType": "text/html", "body": "<h1>Bad gateway</h1>"}),
        json!({"resetMidBody": true}),
    ] {
        let queued = post_json(
            &http,
            control(&emulator, "faults"),
            json!({"path": "projects", "respond": respond}),
        )
        .await;
        assert_eq!(queued.status(), StatusCode::NO_CONTENT);
    }
    let html = http
        .get(format!("{}projects", emulator.base_url()))
        .send()
        .await
        .expect("html");
    assert_eq!(html.status().as_u16(), 502);
    assert_eq!(html.text().await.expect("text"), "<h1>Bad gateway</h1>");
    // The break may surface while the head is read or while the body is.
    let broken = match http
        .get(format!("{}projects", emulator.base_url()))
        .send()
        .await
    {
        Ok(response) => response.bytes().await.is_err(),
        Err(_) => true,
    };
    assert!(broken, "the body still breaks off");

    let log = exchanges(&emulator, &http).await;
    assert_eq!(log[0]["response"]["body"], "<h1>Bad gateway</h1>");
    assert_eq!(log[0]["response"]["bodyError"], Value::Null);
    assert_eq!(log[1]["response"]["body"], "{\"partial\": [1, 2, 3,");
    assert!(log[1]["response"]["bodyError"].is_string(), "{}", log[1]);
}

#[tokio::test]
async fn bad_fault_and_clock_bodies_are_400_err006() {
    let (emulator, http) = admin_emulator().await;
    for (route, body) in [
        ("faults", json!({"path": "projects", "colour": "red"})),
        ("faults", json!({"respond": {"status": 42}})),
        (
            "faults",
            json!({"respond": {"status": 500, "code": "ERR001", "body": "both"}}),
        ),
        ("clock", json!({"advanceSeconds": -5})),
    ] {
        let response = post_json(&http, control(&emulator, route), body.clone()).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{route} {body}");
        let error: Value = response.json().await.expect("json");
        assert_eq!(error["code"], "ERR006", "{route} {body}");
    }
}

#[tokio::test]
async fn clock_and_stats_let_another_process_expire_and_count_sessions() {
    let (emulator, http) = admin_emulator().await;
    let session = login(&emulator, &http).await;
    let stats: Value = http
        .get(control(&emulator, "stats"))
        .send()
        .await
        .expect("stats")
        .json()
        .await
        .expect("json");
    assert_eq!(stats, json!({"openSessions": 1, "logins": 1, "logouts": 0}));

    let moved = post_json(
        &http,
        control(&emulator, "clock"),
        json!({"advanceSeconds": 31 * 60}),
    )
    .await;
    assert_eq!(moved.status(), StatusCode::NO_CONTENT);
    assert_eq!(session_status(&emulator, &http, &session).await, 401);
}

#[tokio::test]
async fn control_paths_check_their_method_and_serve_the_contract() {
    let (emulator, http) = admin_emulator().await;
    let wrong = http
        .get(control(&emulator, "reset"))
        .send()
        .await
        .expect("request");
    assert_eq!(wrong.status(), StatusCode::METHOD_NOT_ALLOWED);
    let unknown = http
        .get(control(&emulator, "nothing"))
        .send()
        .await
        .expect("request");
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);

    let contract = http
        .get(control(&emulator, "openapi.yaml"))
        .send()
        .await
        .expect("request");
    assert_eq!(contract.status(), StatusCode::OK);
    assert_eq!(contract.headers()["content-type"], "application/yaml");
    let text = contract.text().await.expect("text");
    assert!(text.starts_with("openapi: 3.1.0"), "{}", &text[..40]);
    assert!(text.contains("/__emulator/reset:"));
}

#[tokio::test]
async fn clearing_the_log_keeps_the_sessions() {
    let (emulator, http) = admin_emulator().await;
    let session = login(&emulator, &http).await;
    let cleared = http
        .delete(control(&emulator, "requests"))
        .send()
        .await
        .expect("delete");
    assert_eq!(cleared.status(), StatusCode::NO_CONTENT);
    assert!(emulator.requests().is_empty());
    assert_eq!(session_status(&emulator, &http, &session).await, 200);
    assert_eq!(exchanges(&emulator, &http).await.len(), 1);
}

#[tokio::test]
async fn reset_brings_objects_back_to_their_seed() {
    let (emulator, http) = admin_emulator().await;
    let session = login(&emulator, &http).await;
    let created = http
        .post(format!("{}users", emulator.base_url()))
        .header("X-MSTR-AuthToken", &session.0)
        .header("Cookie", &session.1)
        .json(&json!({"username": "newbie", "fullName": "New Bie"}))
        .send()
        .await
        .expect("create user");
    assert_eq!(created.status(), StatusCode::CREATED);
    let id = created.json::<Value>().await.expect("json")["id"]
        .as_str()
        .expect("id")
        .to_owned();

    http.post(control(&emulator, "reset"))
        .send()
        .await
        .expect("reset");
    let fresh = login(&emulator, &http).await;
    let lookup = http
        .get(format!("{}users/{id}", emulator.base_url()))
        .header("X-MSTR-AuthToken", &fresh.0)
        .header("Cookie", &fresh.1)
        .send()
        .await
        .expect("lookup");
    assert_eq!(lookup.status(), StatusCode::NOT_FOUND);
}
