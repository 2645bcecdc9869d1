//! The session endpoints (`sessions`, `sessions/userInfo`, `auth/identityToken`,
//! `auth/logout`) and the project list with its cache.

use mstr_rest::ExposeSecret;
use serde_json::json;
use wiremock::matchers::{any, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{
    COOKIE, TOKEN, TUTORIAL_ID, api, api_err, api_error, assert_not_logged_in, logged_in, received,
    session,
};

fn projects_body() -> serde_json::Value {
    json!([
        {"id": TUTORIAL_ID, "name": "MicroStrategy Tutorial", "alias": "", "description": "",
         "status": 0, "acg": 255, "owner": {"name": "Administrator"}},
        {"id": "B7CA92F04B9FAE8D941C3E9B7E0CD754", "name": "Consolidated Education Project",
         "alias": "", "description": "", "status": 0},
    ])
}

#[tokio::test]
async fn session_info_gets_sessions_with_token_and_cookie() {
    let server = MockServer::start().await;
    let session = logged_in(&server).await;
    Mock::given(method("GET"))
        .and(path(api("sessions")))
        .and(header("X-MSTR-AuthToken", TOKEN))
        .and(header("cookie", format!("JSESSIONID={COOKIE}").as_str()))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"locale": 1033, "timeout": 1800})),
        )
        .expect(1)
        .named("GET sessions")
        .mount(&server)
        .await;

    let info = session.session_info().await.unwrap();

    assert_eq!(info["timeout"], 1800);
}

#[tokio::test]
async fn extend_session_puts_sessions_with_content_length_zero() {
    let server = MockServer::start().await;
    let session = logged_in(&server).await;
    Mock::given(method("PUT"))
        .and(path(api("sessions")))
        .and(header("X-MSTR-AuthToken", TOKEN))
        .and(header("content-length", "0"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .named("PUT sessions, empty")
        .mount(&server)
        .await;

    session.extend_session().await.unwrap();
}

#[tokio::test]
async fn user_info_is_decoded_into_user_info() {
    let server = MockServer::start().await;
    let session = logged_in(&server).await;
    Mock::given(method("GET"))
        .and(path(api("sessions/userInfo")))
        .and(header("X-MSTR-AuthToken", TOKEN))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "54F3D26011D2896560009A8E67019608",
            "fullName": "Dave Bowman",
            "initials": "DB",
            "metadataUser": true,
            "timeout": 1800,
            "locale": 1033,
        })))
        .expect(1)
        .named("GET sessions/userInfo")
        .mount(&server)
        .await;

    let me = session.user_info().await.unwrap();

    assert_eq!(me.full_name, "Dave Bowman");
    assert_eq!(me.id, "54F3D26011D2896560009A8E67019608");
    assert_eq!(me.initials, "DB");
    assert_eq!(me.metadata_user, Some(true));
    assert_eq!(me.timeout, Some(1800));
    assert_eq!(me.extra["locale"], 1033);
}

#[tokio::test]
async fn create_identity_token_returns_the_header_without_replacing_the_session_token() {
    let server = MockServer::start().await;
    let session = logged_in(&server).await;
    Mock::given(method("POST"))
        .and(path(api("auth/identityToken")))
        .and(header("X-MSTR-AuthToken", TOKEN))
        .and(header("content-length", "0"))
        .respond_with(ResponseTemplate::new(201).insert_header("X-MSTR-IdentityToken", "idt-42"))
        .expect(1)
        .named("POST auth/identityToken")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(api("sessions")))
        .and(header("X-MSTR-AuthToken", TOKEN))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .expect(1)
        .named("GET sessions still with the session token")
        .mount(&server)
        .await;

    let identity = session.create_identity_token().await.unwrap();
    session.session_info().await.unwrap();

    assert_eq!(identity.expose_secret(), "idt-42");
}

#[tokio::test]
async fn clones_share_the_token_and_cookies() {
    let server = MockServer::start().await;
    crate::support::mount_login(&server).await;
    Mock::given(method("GET"))
        .and(path(api("sessions")))
        .and(header("X-MSTR-AuthToken", TOKEN))
        .and(header("cookie", format!("JSESSIONID={COOKIE}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .expect(1)
        .named("GET sessions from the clone")
        .mount(&server)
        .await;
    let original = session(&server);
    let clone = original.clone();

    original
        .login(mstr_rest::Credentials::standard("dave", "hellodave"))
        .await
        .unwrap();
    clone.session_info().await.unwrap();
    clone.forget();

    assert!(
        !original.has_session(),
        "forgetting on a clone forgets for all"
    );
}

#[tokio::test]
async fn calls_needing_a_session_fail_with_not_logged_in_and_send_nothing() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .named("any request")
        .mount(&server)
        .await;
    let session = session(&server);

    assert_not_logged_in(session.session_info().await, "session_info");
    assert_not_logged_in(session.extend_session().await, "extend_session");
    assert_not_logged_in(session.user_info().await, "user_info");
    assert_not_logged_in(
        session.create_identity_token().await,
        "create_identity_token",
    );
    assert_not_logged_in(session.projects().await, "projects");
    assert_not_logged_in(session.load_projects().await, "load_projects");
    assert_not_logged_in(session.project_id("My Project").await, "project_id");

    assert!(received(&server).await.is_empty());
}

#[tokio::test]
async fn logout_posts_auth_logout_with_the_token_and_forgets_it() {
    let server = MockServer::start().await;
    let session = logged_in(&server).await;
    Mock::given(method("POST"))
        .and(path(api("auth/logout")))
        .and(header("X-MSTR-AuthToken", TOKEN))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .named("POST auth/logout")
        .mount(&server)
        .await;

    session.logout().await.unwrap();

    assert!(!session.has_session());
    assert_not_logged_in(session.session_info().await, "session_info after logout");
}

#[tokio::test]
async fn logout_without_a_token_sends_nothing() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(204))
        .expect(0)
        .named("any request")
        .mount(&server)
        .await;

    session(&server).logout().await.unwrap();

    assert!(received(&server).await.is_empty());
}

#[tokio::test]
async fn logout_answered_err009_counts_as_logged_out() {
    let server = MockServer::start().await;
    let session = logged_in(&server).await;
    Mock::given(method("POST"))
        .and(path(api("auth/logout")))
        .respond_with(api_error(
            401,
            "ERR009",
            "The user's session has expired, please reauthenticate.",
        ))
        .expect(1)
        .named("logout of an expired session")
        .mount(&server)
        .await;

    session.logout().await.unwrap();

    assert!(!session.has_session());
}

#[tokio::test]
async fn logout_answered_500_keeps_the_token_and_returns_the_error() {
    let server = MockServer::start().await;
    let session = logged_in(&server).await;
    Mock::given(method("POST"))
        .and(path(api("auth/logout")))
        .respond_with(api_error(500, "ERR002", "IServer error"))
        .expect(1)
        .named("logout failing")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(api("sessions")))
        .and(header("X-MSTR-AuthToken", TOKEN))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .expect(1)
        .named("GET sessions with the kept token")
        .mount(&server)
        .await;

    let err = api_err(session.logout().await);

    assert_eq!(err.status, 500);
    assert!(session.has_session());
    session.session_info().await.unwrap();
}

#[tokio::test]
async fn projects_are_fetched_once_and_then_served_from_the_cache() {
    let server = MockServer::start().await;
    let session = logged_in(&server).await;
    Mock::given(method("GET"))
        .and(path(api("projects")))
        .and(header("X-MSTR-AuthToken", TOKEN))
        .respond_with(ResponseTemplate::new(200).set_body_json(projects_body()))
        .expect(1)
        .named("GET projects, once")
        .mount(&server)
        .await;

    let first = session.projects().await.unwrap();
    let second = session.projects().await.unwrap();

    assert_eq!(first, second);
    assert_eq!(first.len(), 2);
    assert_eq!(first[0].id, TUTORIAL_ID);
    assert_eq!(first[0].name, "MicroStrategy Tutorial");
    assert_eq!(first[0].extra["acg"], 255);
}

#[tokio::test]
async fn load_projects_fetches_again_and_refreshes_the_cache() {
    let server = MockServer::start().await;
    let session = logged_in(&server).await;
    Mock::given(method("GET"))
        .and(path(api("projects")))
        .respond_with(ResponseTemplate::new(200).set_body_json(projects_body()))
        .up_to_n_times(1)
        .expect(1)
        .named("GET projects, first answer")
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(api("projects")))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!([{"id": "4BAE16A340B995CAD24193AA2B6F1A4C", "name": "My Project"}]),
        ))
        .expect(1)
        .named("GET projects, refreshed answer")
        .mount(&server)
        .await;

    assert_eq!(session.projects().await.unwrap().len(), 2);
    let reloaded = session.load_projects().await.unwrap();
    let cached = session.projects().await.unwrap();

    assert_eq!(reloaded.len(), 1);
    assert_eq!(cached, reloaded);
    assert_eq!(
        session.project_id("My Project").await.unwrap().as_deref(),
        Some("4BAE16A340B995CAD24193AA2B6F1A4C")
    );
}

#[tokio::test]
async fn project_id_finds_known_names_and_none_for_unknown_ones() {
    let server = MockServer::start().await;
    let session = logged_in(&server).await;
    Mock::given(method("GET"))
        .and(path(api("projects")))
        .respond_with(ResponseTemplate::new(200).set_body_json(projects_body()))
        .expect(1)
        .named("GET projects")
        .mount(&server)
        .await;

    let known = session.project_id("MicroStrategy Tutorial").await.unwrap();
    let unknown = session.project_id("No Such Project").await.unwrap();
    let wrong_case = session.project_id("microstrategy tutorial").await.unwrap();

    assert_eq!(known.as_deref(), Some(TUTORIAL_ID));
    assert_eq!(unknown, None);
    assert_eq!(wrong_case, None);
}

#[tokio::test]
async fn project_id_with_duplicate_names_returns_the_last_one() {
    let server = MockServer::start().await;
    let session = logged_in(&server).await;
    Mock::given(method("GET"))
        .and(path(api("projects")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"id": "11111111111111111111111111111111", "name": "Twin"},
            {"id": "22222222222222222222222222222222", "name": "Other"},
            {"id": "33333333333333333333333333333333", "name": "Twin"},
        ])))
        .expect(1)
        .named("GET projects with a duplicated name")
        .mount(&server)
        .await;

    let id = session.project_id("Twin").await.unwrap();

    assert_eq!(id.as_deref(), Some("33333333333333333333333333333333"));
}
