//! Credentials stay on the base origin: caller-set credential headers never follow a hop
//! to another origin, another origin cannot redirect a request into an authenticated one,
//! only the base's own answers speak for the session, and redirect chains are bounded.

use std::time::Duration;

use mstr_rest::prelude::*;
use mstr_rest::{RetryPolicy, StatusCode, TransportKind};
use serde_json::json;
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::bounded;
use crate::support::{
    TOKEN, TUTORIAL_ID, api, api_error, base_url, header_of, logged_in, login_ok, received,
};

const CREDENTIAL_HEADERS: [&str; 6] = [
    "authorization",
    "proxy-authorization",
    "cookie",
    "cookie2",
    "x-mstr-authtoken",
    "x-mstr-projectid",
];

fn redirect(status: u16, to: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).insert_header("Location", to)
}

async fn catch_all(server: &MockServer, status: u16) {
    Mock::given(any())
        .respond_with(ResponseTemplate::new(status))
        .mount(server)
        .await;
}

#[tokio::test]
async fn caller_set_credential_headers_do_not_follow_a_hop_to_another_origin() {
    bounded(async {
        for status in [302, 307] {
            let base = MockServer::start().await;
            let foreign = MockServer::start().await;
            catch_all(&foreign, 200).await;
            Mock::given(path(api("hop")))
                .respond_with(redirect(status, &format!("{}/landing", foreign.uri())))
                .mount(&base)
                .await;
            let session = Session::builder(base_url(&base))
                .transport(|t| t.default_header("Authorization", "Bearer default-secret"))
                .build()
                .unwrap();
            session
                .get("hop")
                .header("Authorization", "Bearer caller-secret")
                .header("Proxy-Authorization", "Basic cHJveHk6c2VjcmV0")
                .header("Cookie", "sid=caller-cookie")
                .header("Cookie2", "$Version=1")
                .header("X-MSTR-AuthToken", "hand-set-token")
                .project(TUTORIAL_ID)
                .send()
                .await
                .unwrap();

            // At home, they all went: the rule is about the hop, not about the headers.
            let home = received(&base).await;
            assert_eq!(
                header_of(&home[0], "proxy-authorization").as_deref(),
                Some("Basic cHJveHk6c2VjcmV0")
            );
            let away = received(&foreign).await;
            assert_eq!(away.len(), 1, "{status}: the redirect was followed");
            for name in CREDENTIAL_HEADERS {
                assert_eq!(header_of(&away[0], name), None, "{status}: {name} leaked");
            }
        }
    })
    .await;
}

#[tokio::test]
async fn another_origin_cannot_redirect_a_request_into_an_authenticated_one() {
    bounded(async {
        let base = MockServer::start().await;
        let foreign = MockServer::start().await;
        let session = logged_in(&base).await;
        // The base records what arrives; anything carrying the session would be a leak.
        Mock::given(method("POST"))
            .and(path(api("sessions")))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true})))
            .mount(&base)
            .await;
        Mock::given(path("/bounce"))
            .respond_with(redirect(307, &format!("{}sessions", base_url(&base))))
            .mount(&foreign)
            .await;

        session
            .post(&format!("{}/bounce", foreign.uri()))
            .project(TUTORIAL_ID)
            .body("payload")
            .send()
            .await
            .unwrap();

        let arrived: Vec<_> = received(&base)
            .await
            .into_iter()
            .filter(|r| r.url.path() == api("sessions"))
            .collect();
        assert_eq!(arrived.len(), 1, "the 307 was followed to the base");
        for name in CREDENTIAL_HEADERS {
            assert_eq!(
                header_of(&arrived[0], name),
                None,
                "{name} was added at home"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn a_chain_that_leaves_the_base_never_regains_the_session() {
    bounded(async {
        let base = MockServer::start().await;
        let foreign = MockServer::start().await;
        let session = logged_in(&base).await;
        Mock::given(path(api("out")))
            .respond_with(redirect(302, &format!("{}/away", foreign.uri())))
            .mount(&base)
            .await;
        Mock::given(path("/away"))
            .respond_with(redirect(302, &format!("{}back", base_url(&base))))
            .mount(&foreign)
            .await;
        Mock::given(path(api("back")))
            .respond_with(ResponseTemplate::new(200))
            .mount(&base)
            .await;

        session
            .get("out")
            .project(TUTORIAL_ID)
            .send()
            .await
            .unwrap();

        let home = received(&base).await;
        let out = home.iter().find(|r| r.url.path() == api("out")).unwrap();
        assert_eq!(header_of(out, "x-mstr-authtoken").as_deref(), Some(TOKEN));
        let back = home.iter().find(|r| r.url.path() == api("back")).unwrap();
        for name in CREDENTIAL_HEADERS {
            assert_eq!(
                header_of(back, name),
                None,
                "{name} came back on the return hop"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn an_err009_from_another_origin_neither_expires_the_session_nor_logs_in_again() {
    bounded(async {
        let base = MockServer::start().await;
        let foreign = MockServer::start().await;
        // One login only: a re-login would be a second.
        Mock::given(method("POST"))
            .and(path(api("auth/login")))
            .respond_with(login_ok())
            .expect(1)
            .mount(&base)
            .await;
        let session = Session::builder(base_url(&base))
            .relogin_with(Credentials::standard("dave", "hellodave"))
            .build()
            .unwrap();
        session
            .login(Credentials::standard("dave", "hellodave"))
            .await
            .unwrap();
        Mock::given(any())
            .respond_with(api_error(401, "ERR009", "The user's session has expired"))
            .mount(&foreign)
            .await;
        Mock::given(path(api("via-foreign")))
            .respond_with(redirect(302, &format!("{}/x", foreign.uri())))
            .mount(&base)
            .await;

        // Directly, and through a redirect off the base.
        let direct = session.get(&format!("{}/x", foreign.uri())).send().await;
        assert!(direct.unwrap_err().is_session_expired());
        let redirected = session.get("via-foreign").send().await;
        assert!(redirected.unwrap_err().is_session_expired());

        assert!(
            session.has_session(),
            "a foreign answer expired the base session"
        );
    })
    .await;
}

#[tokio::test]
async fn a_redirect_loop_is_an_error_and_zero_redirects_returns_the_3xx() {
    bounded(async {
        let base = MockServer::start().await;
        Mock::given(path(api("loop")))
            .respond_with(redirect(302, &format!("{}loop", base_url(&base))))
            .mount(&base)
            .await;
        let session = Session::builder(base_url(&base)).build().unwrap();
        let err = session.get("loop").send().await.unwrap_err();
        let Error::Transport(t) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(t.kind(), TransportKind::Redirect, "{err}");
        assert!(err.to_string().contains("max_redirects"), "{err}");
        assert_eq!(
            received(&base).await.len(),
            11,
            "the first request and 10 hops"
        );

        let session = Session::builder(base_url(&base))
            .transport(|t| t.max_redirects(0))
            .build()
            .unwrap();
        let resp = session.get("loop").send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::FOUND);
    })
    .await;
}

#[tokio::test]
async fn the_request_timeout_bounds_the_whole_redirect_chain() {
    bounded(async {
        let base = MockServer::start().await;
        for hop in 0..5 {
            Mock::given(path(api(&format!("hop{hop}"))))
                .respond_with(
                    redirect(302, &format!("{}hop{}", base_url(&base), hop + 1))
                        .set_delay(Duration::from_millis(150)),
                )
                .mount(&base)
                .await;
        }
        catch_all(&base, 200).await;
        // Each hop alone is well inside the timeout; the five together are not.
        let session = Session::builder(base_url(&base))
            .transport(|t| t.timeout(Duration::from_millis(500)))
            .transport(|t| t.retry(RetryPolicy::none()))
            .build()
            .unwrap();
        let err = session.get("hop0").send().await.unwrap_err();
        assert!(err.is_timeout(), "{err:?}");
        assert!(received(&base).await.len() < 5, "the chain was cut short");
    })
    .await;
}
