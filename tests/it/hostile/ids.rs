//! An id is data, never a path: every id that goes into a path, in every typed family, is
//! one percent-encoded segment, and `.`/`..` (also encoded) are refused before anything is
//! sent. Ids the server picks (instances, upload sessions) are checked the same way.

use futures_util::{StreamExt, stream};

use mstr_rest::objects::ObjectType;
use mstr_rest::prelude::*;

use serde_json::json;
use wiremock::matchers::{any, method, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::bounded;
use crate::support::{TUTORIAL_ID, config_err, decode_err, logged_in, received};

/// Every request after the login, as `METHOD path`.
async fn sent(server: &MockServer) -> Vec<String> {
    received(server)
        .await
        .into_iter()
        .filter(|r| !r.url.path().ends_with("auth/login"))
        .map(|r| format!("{} {}", r.method, r.url.path()))
        .collect()
}

#[tokio::test]
async fn a_path_in_an_id_is_sent_as_one_encoded_segment() {
    bounded(async {
        let server = MockServer::start().await;
        let session = logged_in(&server).await;
        Mock::given(any())
            .respond_with(ResponseTemplate::new(404))
            .mount(&server)
            .await;
        let hostile = "../../auth/logout?";
        let _ = session.report(hostile).project(TUTORIAL_ID).open().await;
        let _ = session.cube(hostile).project(TUTORIAL_ID).open().await;
        let _ = session.users().get(hostile).await;
        let _ = session.user_groups().get(hostile).await;
        let _ = session
            .objects(TUTORIAL_ID)
            .get(hostile, ObjectType::REPORT)
            .await;
        let _ = session.folders(TUTORIAL_ID).contents(hostile).await;
        let _ = session.project(hostile).await;
        let datasets = session.datasets(TUTORIAL_ID);
        let _ = datasets.get(hostile).info().await;
        let _ = datasets.delete(hostile).await;
        let _ = datasets
            .get(hostile)
            .upload("T")
            .push(stream::iter([json!([1])]))
            .await;

        let sent = sent(&server).await;
        let encoded = "..%2F..%2Fauth%2Flogout%3F";
        assert_eq!(sent.len(), 10, "{sent:#?}");
        for line in &sent {
            assert!(!line.contains("auth/logout"), "left its segment: {line}");
            assert!(line.contains(encoded), "not one encoded segment: {line}");
        }
        assert!(session.has_session(), "nothing logged the session out");
    })
    .await;
}

#[tokio::test]
async fn dot_segments_are_refused_naming_the_argument_and_nothing_is_sent() {
    bounded(async {
        let server = MockServer::start().await;
        let session = logged_in(&server).await;
        for bad in ["..", ".", "%2e%2E", "", ".%2e"] {
            let cases: Vec<(&str, mstr_rest::Result<()>)> = vec![
                (
                    "report id",
                    session
                        .report(bad)
                        .project(TUTORIAL_ID)
                        .open()
                        .await
                        .map(drop),
                ),
                ("cube id", session.cube(bad).open().await.map(drop)),
                ("user id", session.users().get(bad).await.map(drop)),
                (
                    "user group id",
                    session.user_groups().get(bad).await.map(drop),
                ),
                (
                    "object id",
                    session
                        .objects(TUTORIAL_ID)
                        .delete(bad, ObjectType::REPORT)
                        .await,
                ),
                (
                    "folder id",
                    session.folders(TUTORIAL_ID).contents(bad).await.map(drop),
                ),
                ("project name or id", session.project(bad).await.map(drop)),
                (
                    "dataset id",
                    session
                        .datasets(TUTORIAL_ID)
                        .get(bad)
                        .info()
                        .await
                        .map(drop),
                ),
            ];
            for (argument, result) in cases {
                let err = config_err(result);
                assert!(err.to_string().contains(argument), "{bad:?}: {err}");
            }
        }
        assert_eq!(sent(&server).await, Vec::<String>::new());
    })
    .await;
}

#[tokio::test]
async fn ids_the_server_picks_are_checked_before_they_go_into_a_path() {
    bounded(async {
        let server = MockServer::start().await;
        let session = logged_in(&server).await;
        Mock::given(method("POST"))
            .and(path_regex("instances$"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(json!({"instanceId": "..", "status": 2})),
            )
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path_regex("uploadSessions$"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(json!({"uploadSessionId": ".."})),
            )
            .mount(&server)
            .await;

        let err = decode_err(session.report("R1").project(TUTORIAL_ID).open().await);
        assert!(err.to_string().contains("instance"), "{err}");
        let pushed = session
            .datasets(TUTORIAL_ID)
            .get("D1")
            .upload("T")
            .push(stream::iter([json!([1])]).boxed())
            .await;
        let err = decode_err(pushed);
        assert!(err.to_string().contains("upload session"), "{err}");
        // Only the two creations went out; no call used the hostile ids.
        assert_eq!(sent(&server).await.len(), 2, "{:#?}", sent(&server).await);
    })
    .await;
}
