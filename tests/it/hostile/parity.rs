//! Two behaviours of the Python library's 2.x that users rely on: an idempotent request
//! whose connection closes before any answer is retried (never a non-idempotent one), and
//! a delegated `AuthenticatedSession` delegates again with a fresh identity token on
//! `ERR009`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use mstr_rest::prelude::*;
use mstr_rest::{TransportKind, from_fn};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::bounded;
use crate::support::{api, api_error, base_url, login_ok_with, received_at};

/// A server on 127.0.0.1 that closes the first `close_first` connections after reading the
/// request head, without answering, then answers `200 {}` on each connection. Returns its
/// base URL and the count of connections accepted.
async fn closing_server(close_first: usize) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&accepted);
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let n = count.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let mut seen = Vec::new();
                while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(k) => seen.extend_from_slice(&buf[..k]),
                    }
                }
                if n < close_first {
                    return; // dropped: closed before any response head
                }
                let _ = socket
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}")
                    .await;
            });
        }
    });
    (format!("http://127.0.0.1:{port}/api/"), accepted)
}

#[tokio::test]
async fn an_idempotent_request_closed_before_the_answer_is_retried() {
    bounded(async {
        let (base, accepted) = closing_server(1).await;
        let session = Session::builder(base).build().unwrap();
        let resp = session.get("projects").send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        assert_eq!(accepted.load(Ordering::SeqCst), 2, "one close, one retry");
    })
    .await;
}

#[tokio::test]
async fn a_post_closed_before_the_answer_is_not_sent_twice() {
    bounded(async {
        let (base, accepted) = closing_server(1).await;
        let session = Session::builder(base).build().unwrap();
        let err = session.post("reports").body("x").send().await.unwrap_err();
        let Error::Transport(t) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(t.kind(), TransportKind::Closed, "{err}");
        assert!(err.to_string().contains("closed the connection"), "{err}");
        assert_eq!(accepted.load(Ordering::SeqCst), 1, "sent once");
    })
    .await;
}

/// A mock server for delegation: each identity token `idt-N` delegates to `tok-N` once;
/// `GET sessions/userInfo` with `tok-1` is expired, with `tok-2` answers.
async fn delegation_server() -> MockServer {
    let server = MockServer::start().await;
    for n in 1..=2 {
        Mock::given(method("POST"))
            .and(path(api("auth/delegate")))
            .and(body_partial_json(
                json!({"identityToken": format!("idt-{n}")}),
            ))
            .respond_with(login_ok_with(&format!("tok-{n}"), &format!("js-{n}")))
            .up_to_n_times(1)
            .mount(&server)
            .await;
    }
    Mock::given(method("POST"))
        .and(path(api("auth/delegate")))
        .respond_with(api_error(401, "ERR003", "Invalid identity token"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(api("sessions/userInfo")))
        .and(wiremock::matchers::header("X-MSTR-AuthToken", "tok-1"))
        .respond_with(api_error(401, "ERR009", "The user's session has expired"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(api("sessions/userInfo")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "U", "fullName": "Dave Bowman", "initials": "DB"
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(api("auth/logout")))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_delegated_session_delegates_again_with_a_fresh_identity_token() {
    bounded(async {
        let server = delegation_server().await;
        let calls = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&calls);
        let s = AuthenticatedSession::builder()
            .base_url(base_url(&server))
            .identity_token(from_fn(move || {
                format!("idt-{}", counter.fetch_add(1, Ordering::SeqCst) + 1)
            }))
            .connect()
            .await
            .unwrap();
        let me = s.user_info().await.unwrap();
        assert_eq!(me.full_name, "Dave Bowman");
        assert_eq!(
            calls.load(Ordering::SeqCst),
            2,
            "the source was asked again"
        );
        assert_eq!(received_at(&server, "POST", "auth/delegate").await.len(), 2);
        s.close().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_source_that_hands_out_a_used_token_gets_the_refusal_once() {
    bounded(async {
        let server = delegation_server().await;
        let s = AuthenticatedSession::builder()
            .base_url(base_url(&server))
            .identity_token("idt-1")
            .connect()
            .await
            .unwrap();
        let err = s.user_info().await.unwrap_err();
        assert_eq!(
            err.as_api().map(|e| e.code.as_deref()),
            Some(Some("ERR003")),
            "{err}"
        );
        // The connect, then one re-delegation and one after the sources were re-read.
        let delegations = received_at(&server, "POST", "auth/delegate").await.len();
        assert_eq!(delegations, 3);
        // Not looped: the next call does not delegate again with the dead session.
        let _ = s.user_info().await;
        assert_eq!(
            received_at(&server, "POST", "auth/delegate").await.len(),
            delegations
        );
    })
    .await;
}
