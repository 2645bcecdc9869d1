//! A saved session keeps what is good: a document with one bad cookie or header is refused
//! whole with `Error::Config` naming the entry (never its value), instead of restoring a
//! session that silently sends no cookies.

use mstr_rest::prelude::*;
use serde_json::json;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::bounded;
use crate::support::{api, base_url, config_err, header_of, received};

fn saved(server: &MockServer, cookies: serde_json::Value, headers: serde_json::Value) -> String {
    json!({"base_url": base_url(server), "cookies": cookies, "headers": headers}).to_string()
}

#[tokio::test]
async fn a_malformed_cookie_refuses_the_document_naming_it() {
    bounded(async {
        let server = MockServer::start().await;
        for (name, value, named) in [
            ("x", "1\r\nX-Injected: 1", "\"x\""),
            ("x\r\nX-Injected: 1", "1", "X-Injected"),
            ("bad name", "1", "\"bad name\""),
            ("x", "a;b", "\"x\""),
        ] {
            let doc = saved(
                &server,
                json!({"JSESSIONID": "good-session", name: value}),
                json!({"X-MSTR-AuthToken": "tok"}),
            );
            let err = config_err(Session::from_json(&doc));
            let text = err.to_string();
            assert!(text.contains(named), "{name:?}: {text}");
            assert!(!text.contains("good-session"), "{text}");
            if value != "1" {
                assert!(!text.contains(value), "the bad value is not echoed: {text}");
            }
        }
    })
    .await;
}

#[tokio::test]
async fn a_malformed_header_refuses_the_document_naming_it() {
    bounded(async {
        let server = MockServer::start().await;
        let doc = saved(
            &server,
            json!({"JSESSIONID": "good"}),
            json!({"X-MSTR-AuthToken": "tok", "X-Bad\nName": "v"}),
        );
        let err = config_err(Session::from_json(&doc));
        assert!(err.to_string().contains("X-Bad"), "{err}");
        let doc = saved(
            &server,
            json!({}),
            json!({"X-MSTR-AuthToken": "tok\r\nX-Injected: 1"}),
        );
        let err = config_err(Session::from_json(&doc));
        assert!(err.to_string().contains("x-mstr-authtoken"), "{err}");
    })
    .await;
}

#[tokio::test]
async fn too_many_cookies_refuse_the_document_and_a_good_one_restores_whole() {
    bounded(async {
        let server = MockServer::start().await;
        let many: serde_json::Map<String, serde_json::Value> =
            (0..51).map(|i| (format!("c{i}"), json!("v"))).collect();
        let err = config_err(Session::from_json(&saved(&server, many.into(), json!({}))));
        assert!(err.to_string().contains("51 cookies"), "{err}");

        Mock::given(path(api("sessions")))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
            .mount(&server)
            .await;
        let doc = saved(
            &server,
            json!({"JSESSIONID": "good", "iSession": "other"}),
            json!({"X-MSTR-AuthToken": "tok"}),
        );
        Session::from_json(&doc)
            .unwrap()
            .session_info()
            .await
            .unwrap();
        let sent = received(&server).await;
        assert_eq!(
            header_of(&sent[0], "cookie").as_deref(),
            Some("JSESSIONID=good; iSession=other")
        );
    })
    .await;
}
