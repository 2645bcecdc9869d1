//! The token, the project header and the cookies reach only the base URL's origin — for
//! absolute URLs and for redirects alike. Two mock servers on 127.0.0.1 are two origins
//! (different ports).

use mstr_rest::StatusCode;
use serde_json::json;
use wiremock::matchers::{any, header, header_exists, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{COOKIE, TOKEN, TUTORIAL_ID, api, header_of, logged_in, received};

/// Mounts, on the foreign server, mocks that must never match: any request carrying the
/// token, the project header or a cookie.
async fn forbid_session_headers(foreign: &MockServer) {
    for name in ["X-MSTR-AuthToken", "X-MSTR-ProjectID", "cookie"] {
        Mock::given(header_exists(name))
            .respond_with(ResponseTemplate::new(500))
            .with_priority(1)
            .expect(0)
            .named(format!("a foreign request carrying {name}"))
            .mount(foreign)
            .await;
    }
}

/// Asserts no request the foreign server received carries a session header.
async fn assert_no_session_headers(foreign: &MockServer) {
    let requests = received(foreign).await;
    assert!(!requests.is_empty(), "the foreign server was reached");
    for request in &requests {
        for name in ["x-mstr-authtoken", "x-mstr-projectid", "cookie"] {
            assert_eq!(
                header_of(request, name),
                None,
                "{name} leaked to {}",
                request.url
            );
        }
    }
}

#[tokio::test]
async fn absolute_url_to_another_origin_carries_no_token_project_or_cookie() {
    let base = MockServer::start().await;
    let foreign = MockServer::start().await;
    let session = logged_in(&base).await;
    forbid_session_headers(&foreign).await;
    Mock::given(method("GET"))
        .and(path("/elsewhere"))
        .respond_with(ResponseTemplate::new(200).set_body_string("foreign"))
        .expect(1)
        .named("GET /elsewhere")
        .mount(&foreign)
        .await;

    let body = session
        .get(&format!("{}/elsewhere", foreign.uri()))
        .project(TUTORIAL_ID)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();

    assert_eq!(body, "foreign");
    assert_no_session_headers(&foreign).await;
}

#[tokio::test]
async fn absolute_url_to_the_base_origin_carries_token_project_and_cookie() {
    let base = MockServer::start().await;
    let session = logged_in(&base).await;
    Mock::given(method("GET"))
        .and(path(api("sessions/projectId")))
        .and(header("X-MSTR-AuthToken", TOKEN))
        .and(header("X-MSTR-ProjectID", TUTORIAL_ID))
        .and(header("cookie", format!("JSESSIONID={COOKIE}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .expect(1)
        .named("GET by absolute URL on the base origin")
        .mount(&base)
        .await;

    session
        .get(&format!("{}{}", base.uri(), api("sessions/projectId")))
        .project(TUTORIAL_ID)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn redirect_to_another_origin_is_followed_without_token_project_or_cookie() {
    let base = MockServer::start().await;
    let foreign = MockServer::start().await;
    let session = logged_in(&base).await;
    Mock::given(method("GET"))
        .and(path(api("documents/d1/export")))
        .and(header("X-MSTR-AuthToken", TOKEN))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("Location", format!("{}/landing", foreign.uri()).as_str()),
        )
        .expect(1)
        .named("302 to the other origin")
        .mount(&base)
        .await;
    forbid_session_headers(&foreign).await;
    Mock::given(method("GET"))
        .and(path("/landing"))
        .respond_with(ResponseTemplate::new(200).set_body_string("landed"))
        .expect(1)
        .named("GET /landing")
        .mount(&foreign)
        .await;

    let resp = session
        .get("documents/d1/export")
        .project(TUTORIAL_ID)
        .send()
        .await
        .unwrap();

    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.url().as_str(), format!("{}/landing", foreign.uri()));
    assert_eq!(resp.text().await.unwrap(), "landed");
    assert_no_session_headers(&foreign).await;
}

#[tokio::test]
async fn same_origin_redirect_keeps_token_project_and_cookie() {
    let base = MockServer::start().await;
    let session = logged_in(&base).await;
    Mock::given(method("GET"))
        .and(path(api("old/place")))
        .respond_with(
            ResponseTemplate::new(302).insert_header("Location", api("new/place").as_str()),
        )
        .expect(1)
        .named("302 on the same origin")
        .mount(&base)
        .await;
    Mock::given(method("GET"))
        .and(path(api("new/place")))
        .and(header("X-MSTR-AuthToken", TOKEN))
        .and(header("X-MSTR-ProjectID", TUTORIAL_ID))
        .and(header("cookie", format!("JSESSIONID={COOKIE}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_string("moved"))
        .expect(1)
        .named("GET new/place with the session headers")
        .mount(&base)
        .await;

    let resp = session
        .get("old/place")
        .project(TUTORIAL_ID)
        .send()
        .await
        .unwrap();

    assert_eq!(resp.text().await.unwrap(), "moved");
}

#[tokio::test]
async fn redirect_307_with_a_body_to_another_origin_is_not_followed() {
    let base = MockServer::start().await;
    let foreign = MockServer::start().await;
    let session = logged_in(&base).await;
    Mock::given(method("POST"))
        .and(path(api("datasets/upload")))
        .respond_with(
            ResponseTemplate::new(307)
                .insert_header("Location", format!("{}/upload", foreign.uri()).as_str()),
        )
        .expect(1)
        .named("307 to the other origin")
        .mount(&base)
        .await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .named("anything on the other origin")
        .mount(&foreign)
        .await;

    let resp = session
        .post("datasets/upload")
        .json(&json!({"rows": [[1, 2, 3]], "secret": "payload"}))
        .send()
        .await
        .unwrap();

    assert_eq!(resp.status(), StatusCode::TEMPORARY_REDIRECT);
    assert!(received(&foreign).await.is_empty());
}
