//! `RequestBuilder` and `Response`: project header, `without_auth`, path joining, query,
//! body, response helpers, timeouts, transport and configuration errors.

use std::time::Duration;

use futures_util::TryStreamExt;
use mstr_rest::{Error, RetryPolicy, Session, StatusCode};
use serde_json::json;
use wiremock::matchers::{any, body_json, header, header_exists, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{
    TOKEN, TUTORIAL_ID, api, closed_port, config_err, decode_err, header_of, logged_in, received,
    received_at, session,
};

#[tokio::test]
async fn project_sends_the_project_id_header() {
    let server = MockServer::start().await;
    let session = logged_in(&server).await;
    Mock::given(method("GET"))
        .and(path(api("sessions/projectId")))
        .and(header("X-MSTR-ProjectID", TUTORIAL_ID))
        .and(header("X-MSTR-AuthToken", TOKEN))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .expect(1)
        .named("GET sessions/projectId with the project header")
        .mount(&server)
        .await;

    session
        .get("sessions/projectId")
        .project(TUTORIAL_ID)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn requests_carry_no_project_header_unless_asked() {
    let server = MockServer::start().await;
    let session = logged_in(&server).await;
    Mock::given(method("GET"))
        .and(path(api("projects")))
        .and(header_exists("X-MSTR-ProjectID"))
        .respond_with(ResponseTemplate::new(500))
        .with_priority(1)
        .expect(0)
        .named("a request with a project header")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(api("projects")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(1)
        .named("GET projects")
        .mount(&server)
        .await;

    session.get("projects").send().await.unwrap();
}

#[tokio::test]
async fn without_auth_sends_neither_token_nor_cookie_even_one_set_by_header() {
    let server = MockServer::start().await;
    let session = logged_in(&server).await;
    Mock::given(method("POST"))
        .and(path(api("auth/identityToken")))
        .and(header_exists("X-MSTR-AuthToken"))
        .respond_with(ResponseTemplate::new(500))
        .with_priority(1)
        .expect(0)
        .named("a request carrying a token")
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(api("auth/identityToken")))
        .and(header_exists("cookie"))
        .respond_with(ResponseTemplate::new(500))
        .with_priority(1)
        .expect(0)
        .named("a request carrying a cookie")
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(api("auth/identityToken")))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .named("the anonymous request")
        .mount(&server)
        .await;

    session
        .post("auth/identityToken")
        .header("X-MSTR-AuthToken", "set-by-hand")
        .without_auth()
        .send()
        .await
        .unwrap();

    let sent = received_at(&server, "POST", "auth/identityToken").await;
    assert_eq!(sent.len(), 1);
    assert_eq!(header_of(&sent[0], "x-mstr-authtoken"), None);
    assert_eq!(header_of(&sent[0], "cookie"), None);
    assert!(
        session.has_session(),
        "without_auth does not end the session"
    );
}

#[tokio::test]
async fn relative_paths_with_and_without_leading_slash_hit_the_api_root() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(api("projects")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(4)
        .named("GET …/api/projects")
        .mount(&server)
        .await;
    let with_slash = session(&server);
    let without_slash = Session::builder(format!("{}/MicroStrategyLibrary/api", server.uri()))
        .build()
        .unwrap();

    for session in [&with_slash, &without_slash] {
        assert_eq!(
            session.client().base_url().as_str(),
            format!("{}/MicroStrategyLibrary/api/", server.uri())
        );
        session.get("projects").send().await.unwrap();
        session.get("/projects").send().await.unwrap();
    }
}

#[tokio::test]
async fn query_appends_to_the_query_already_in_the_path() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(api("searches/results")))
        .and(query_param("pattern", "4"))
        .and(query_param("a", "1"))
        .and(query_param("name", "Sales & Co"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"result": []})))
        .expect(1)
        .named("GET searches/results with both queries")
        .mount(&server)
        .await;

    session(&server)
        .get("searches/results?pattern=4")
        .query(&[("a", "1"), ("name", "Sales & Co")])
        .send()
        .await
        .unwrap();

    let sent = received(&server).await;
    assert_eq!(sent[0].url.query(), Some("pattern=4&a=1&name=Sales+%26+Co"));
}

#[tokio::test]
async fn json_body_is_sent_compact_with_content_type() {
    let server = MockServer::start().await;
    let session = logged_in(&server).await;
    let body = json!({"name": "Sales", "filters": [1, 2, 3], "nested": {"on": true}});
    Mock::given(method("POST"))
        .and(path(api("reports/r1/instances")))
        .and(header("content-type", "application/json"))
        .and(header("X-MSTR-AuthToken", TOKEN))
        .and(body_json(&body))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"instanceId": "i1"})))
        .expect(1)
        .named("POST with the JSON body")
        .mount(&server)
        .await;

    let resp = session
        .post("reports/r1/instances")
        .json(&body)
        .send()
        .await
        .unwrap();

    assert_eq!(resp.status(), StatusCode::CREATED);
    let sent = received_at(&server, "POST", "reports/r1/instances").await;
    assert_eq!(sent[0].body, serde_json::to_vec(&body).unwrap());
}

#[tokio::test]
async fn response_gives_status_header_and_json() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(api("status")))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("X-Custom", "custom-value")
                .set_body_json(json!({"webVersion": "11.4", "iServerVersion": "11.4.1"})),
        )
        .expect(1)
        .named("GET status")
        .mount(&server)
        .await;

    let resp = session(&server).get("status").send().await.unwrap();

    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.header("x-custom"), Some("custom-value"));
    assert_eq!(resp.header("X-Custom"), Some("custom-value"));
    assert_eq!(resp.header("x-absent"), None);
    assert_eq!(
        resp.url().as_str(),
        format!("{}{}", server.uri(), api("status"))
    );
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["webVersion"], "11.4");
}

#[tokio::test]
async fn response_gives_text_bytes_and_a_byte_stream() {
    let server = MockServer::start().await;
    let big: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    Mock::given(method("GET"))
        .and(path(api("text")))
        .respond_with(ResponseTemplate::new(200).set_body_string("héllo wörld"))
        .expect(1)
        .named("GET text")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(api("bytes")))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(big.clone()))
        .expect(2)
        .named("GET bytes")
        .mount(&server)
        .await;
    let session = session(&server);

    let text = session
        .get("text")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let bytes = session
        .get("bytes")
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let streamed: Vec<u8> = session
        .get("bytes")
        .send()
        .await
        .unwrap()
        .bytes_stream()
        .try_fold(Vec::new(), |mut acc, chunk| async move {
            acc.extend_from_slice(&chunk);
            Ok(acc)
        })
        .await
        .unwrap();

    assert_eq!(text, "héllo wörld");
    assert_eq!(bytes.as_ref(), big.as_slice());
    assert_eq!(streamed, big);
}

#[tokio::test]
async fn truncated_json_is_a_decode_error_naming_the_path() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(api("projects")))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"[{"id": "B19DEDCC11D4E0EFC000EB9495D0F44F", "na"#,
            "application/json",
        ))
        .expect(1)
        .named("GET projects, truncated")
        .mount(&server)
        .await;

    let resp = session(&server).get("projects").send().await.unwrap();
    let result = resp.json::<serde_json::Value>().await;
    let shown = result.as_ref().map(|_| ()).unwrap_err().to_string();
    let err = decode_err(result);

    assert!(
        shown.contains("/MicroStrategyLibrary/api/projects"),
        "the message names the path: {shown}"
    );
    assert!(std::error::Error::source(&err).is_some());
}

#[tokio::test]
async fn empty_body_where_json_is_expected_is_a_decode_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(api("projects")))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .named("GET projects, empty")
        .mount(&server)
        .await;

    let resp = session(&server).get("projects").send().await.unwrap();
    let err = decode_err(resp.json::<serde_json::Value>().await);

    assert!(
        err.to_string()
            .contains("/MicroStrategyLibrary/api/projects")
    );
}

#[tokio::test]
async fn invalid_utf8_text_is_a_decode_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(api("text")))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(vec![b'o', b'k', 0xff, 0xfe]))
        .expect(1)
        .named("GET text, not UTF-8")
        .mount(&server)
        .await;

    let resp = session(&server).get("text").send().await.unwrap();
    let err = decode_err(resp.text().await);

    assert!(err.to_string().contains("/MicroStrategyLibrary/api/text"));
}

#[tokio::test]
async fn request_timeout_is_reported_as_a_timeout() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(api("slow")))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
        .expect(1)
        .named("GET slow")
        .mount(&server)
        .await;

    let result = session(&server)
        .get("slow")
        .timeout(Duration::from_millis(100))
        .retry(RetryPolicy::none())
        .send()
        .await;

    match result {
        Err(e) => {
            assert!(e.is_timeout(), "expected a timeout, got {e:?}");
            assert!(!e.is_connect());
            assert!(matches!(e, Error::Transport(_)));
        }
        Ok(resp) => panic!("expected a timeout, got {resp:?}"),
    }
}

#[tokio::test]
async fn session_timeout_applies_to_every_request() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(api("slow")))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
        .expect(1)
        .named("GET slow")
        .mount(&server)
        .await;
    let session = Session::builder(crate::support::base_url(&server))
        .transport(|t| t.timeout(Duration::from_millis(100)))
        .build()
        .unwrap();

    let err = session
        .get("slow")
        .retry(RetryPolicy::none())
        .send()
        .await
        .unwrap_err();

    assert!(err.is_timeout(), "expected a timeout, got {err:?}");
}

#[tokio::test]
async fn connection_refused_is_reported_as_a_connect_error() {
    let port = closed_port();
    let session = Session::builder(format!("http://127.0.0.1:{port}/MicroStrategyLibrary/api/"))
        .build()
        .unwrap();

    // connect errors are retried by default; one attempt keeps the test fast
    let err = session
        .get("projects")
        .retry(RetryPolicy::none())
        .send()
        .await
        .unwrap_err();

    assert!(err.is_connect(), "expected a connect error, got {err:?}");
    assert!(!err.is_timeout());
    assert!(
        err.to_string().contains(&port.to_string()),
        "the message names the URL: {err}"
    );
}

#[tokio::test]
async fn invalid_header_value_is_a_config_error_and_nothing_is_sent() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .named("any request")
        .mount(&server)
        .await;
    let session = session(&server);

    let bad_value = session
        .get("projects")
        .header("X-Custom", "line\nbreak")
        .send()
        .await;
    let bad_name = session
        .get("projects")
        .header("bad header name", "value")
        .send()
        .await;

    config_err(bad_value);
    config_err(bad_name);
    assert!(received(&server).await.is_empty());
}

#[tokio::test]
async fn invalid_project_id_is_a_config_error_and_nothing_is_sent() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .named("any request")
        .mount(&server)
        .await;

    let result = session(&server)
        .get("sessions/projectId")
        .project("B19D\r\nX-Evil: 1")
        .send()
        .await;

    config_err(result);
    assert!(received(&server).await.is_empty());
}

#[tokio::test]
async fn unparsable_base_url_is_a_config_error_naming_it() {
    let err = config_err(Session::builder("not a url").build());

    assert!(
        err.message().contains("not a url"),
        "the message names the value: {err}"
    );
}

#[tokio::test]
async fn base_url_without_http_scheme_or_host_is_a_config_error() {
    for bad in ["ftp://x", "http://", "", "/MicroStrategyLibrary/api/"] {
        let err = config_err(Session::builder(bad).build());
        assert!(
            err.message().contains(&format!("{bad:?}")) || err.message().contains(bad),
            "the message for {bad:?} names it: {err}"
        );
    }
}
