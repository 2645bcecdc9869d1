//! No number a server or a user picks makes the client panic: huge `Max-Age` and
//! `Retry-After`, `Duration::MAX` settings, and settings that cannot work (refused at
//! `build()` / `connect()` with `Error::Config`).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::stream;
use mstr_rest::prelude::*;

use mstr_rest::{RetryPolicy, cached, from_fn};
use mstr_rest_emulator::Emulator;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::bounded;
use crate::support::{TUTORIAL_ID, api, api_error, base_url, config_err, header_of, received};

#[tokio::test]
async fn a_max_age_past_the_clocks_end_keeps_the_cookie() {
    bounded(async {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path(api("auth/login")))
            .respond_with(
                ResponseTemplate::new(204)
                    .insert_header("X-MSTR-AuthToken", "t")
                    .insert_header(
                        "Set-Cookie",
                        "JSESSIONID=forever; Path=/; Max-Age=9223372036854775807",
                    ),
            )
            .mount(&server)
            .await;
        Mock::given(path(api("sessions")))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
            .mount(&server)
            .await;
        let session = Session::builder(base_url(&server)).build().unwrap();
        session
            .login(Credentials::standard("dave", "hellodave"))
            .await
            .unwrap();
        session.session_info().await.unwrap();
        let sent = received(&server).await;
        assert_eq!(
            header_of(&sent[1], "cookie").as_deref(),
            Some("JSESSIONID=forever")
        );
    })
    .await;
}

#[tokio::test]
async fn a_retry_after_of_u64_max_is_not_waited_for() {
    bounded(async {
        let server = MockServer::start().await;
        Mock::given(path(api("status")))
            .respond_with(
                api_error(503, "ERR001", "busy")
                    .insert_header("Retry-After", "18446744073709551615"),
            )
            .mount(&server)
            .await;
        let session = Session::builder(base_url(&server)).build().unwrap();
        let err = session.get("status").send().await.unwrap_err();
        assert_eq!(err.status(), Some(503));
        assert_eq!(
            received(&server).await.len(),
            1,
            "no retry was scheduled past the deadline"
        );
    })
    .await;
}

#[tokio::test]
async fn duration_max_settings_work_as_no_limit() {
    bounded(async {
        // A retry deadline of Duration::MAX: retries still happen, nothing overflows.
        let server = MockServer::start().await;
        Mock::given(path(api("flaky")))
            .respond_with(ResponseTemplate::new(503))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(path(api("flaky")))
            .respond_with(ResponseTemplate::new(200))
            .mount(&server)
            .await;
        let session = Session::builder(base_url(&server))
            .transport(|t| {
                t.retry(
                    RetryPolicy::default()
                        .deadline(Duration::MAX)
                        .base_delay(Duration::from_millis(1))
                        .max_delay(Duration::MAX),
                )
            })
            .build()
            .unwrap();
        session.get("flaky").send().await.unwrap();

        // A cached source with a TTL of Duration::MAX: read once, never stale.
        let reads = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&reads);
        let source = cached(from_fn(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            "value"
        }))
        .ttl(Duration::MAX);
        for _ in 0..3 {
            source.resolve().await.unwrap();
        }
        assert_eq!(reads.load(Ordering::SeqCst), 1);

        // A publish timeout of Duration::MAX on a real push.
        let emulator = Emulator::start().await;
        let session = Session::builder(emulator.base_url()).build().unwrap();
        session
            .login(Credentials::standard("dave", "hellodave"))
            .await
            .unwrap();
        let dataset = session
            .datasets(TUTORIAL_ID)
            .create(
                &mstr_rest::datasets::DatasetModel::new("N").table(
                    mstr_rest::datasets::TableSchema::new("T")
                        .column("Id", mstr_rest::datasets::DataType::Integer),
                ),
            )
            .await
            .unwrap();
        let summary = dataset
            .upload("T")
            .publish_poll(Duration::ZERO, Duration::MAX)
            .publish_timeout(Duration::MAX)
            .push(stream::iter([json!([1]), json!([2])]))
            .await
            .unwrap();
        assert_eq!(summary.rows, 2);
    })
    .await;
}

#[tokio::test]
async fn keepalive_periods_that_cannot_work_are_refused_before_anything_happens() {
    bounded(async {
        for period in [Duration::ZERO, Duration::from_millis(10), Duration::MAX] {
            let err = config_err(
                Session::builder("http://127.0.0.1:1/api/")
                    .keepalive(period)
                    .build(),
            );
            assert!(err.to_string().contains("keepalive"), "{err}");

            let resolved = Arc::new(AtomicUsize::new(0));
            let counter = Arc::clone(&resolved);
            let connected = AuthenticatedSession::builder()
                .base_url(from_fn(move || {
                    counter.fetch_add(1, Ordering::SeqCst);
                    "http://127.0.0.1:1/api/"
                }))
                .session(|s| s.keepalive(period))
                .connect()
                .await;
            let err = config_err(connected);
            assert!(err.to_string().contains("keepalive"), "{err}");
            assert_eq!(
                resolved.load(Ordering::SeqCst),
                0,
                "a source was resolved first"
            );
        }
    })
    .await;
}
