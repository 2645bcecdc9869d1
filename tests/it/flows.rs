//! Stateful flows against `mstr-rest-emulator`: real sessions, cookies, idle expiry,
//! identity tokens and logout bookkeeping.

use std::time::Duration;

use mstr_rest::{
    ApiErrorKind, AuthenticatedSession, Credentials, Error, ExposeSecret, RetryPolicy, Session,
};
use mstr_rest_emulator::{Emulator, Fault};

use crate::support::{TUTORIAL_ID, api_err};

fn session(emulator: &Emulator) -> Session {
    Session::builder(emulator.base_url()).build().unwrap()
}

#[tokio::test]
async fn connect_projects_user_info_close_leaves_no_open_session() {
    let emulator = Emulator::start().await;

    let s = AuthenticatedSession::builder()
        .base_url(emulator.base_url())
        .username("dave")
        .password("hellodave")
        .connect()
        .await
        .unwrap();
    let projects = s.projects().await.unwrap();
    let me = s.user_info().await.unwrap();
    assert_eq!(emulator.open_sessions(), 1);
    s.close().await.unwrap();

    let names: Vec<_> = projects.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "MicroStrategy Tutorial",
            "Consolidated Education Project",
            "My Project"
        ]
    );
    assert_eq!(projects[0].id, TUTORIAL_ID);
    assert_eq!(me.full_name, "Dave Bowman");
    assert_eq!(emulator.open_sessions(), 0);
    assert_eq!(emulator.logins(), 1);
    assert_eq!(emulator.logouts(), 1);
    assert_eq!(emulator.count("GET", "projects"), 1);
}

#[tokio::test]
async fn run_with_an_error_inside_still_logs_out() {
    let emulator = Emulator::start().await;

    let result = AuthenticatedSession::builder()
        .base_url(emulator.base_url())
        .username("dave")
        .password("hellodave")
        .run(|s| async move {
            s.projects().await?;
            s.get("no/such/endpoint").send().await?;
            Ok(())
        })
        .await;

    assert_eq!(api_err(result).kind(), ApiErrorKind::ResourceNotFound);
    assert_eq!(emulator.open_sessions(), 0);
    assert_eq!(emulator.logouts(), 1);
}

#[tokio::test]
async fn every_login_mode_opens_a_session_for_the_right_user() {
    let emulator = Emulator::start().await;
    let cases = [
        (Credentials::standard("dave", "hellodave"), "Dave Bowman"),
        (Credentials::ldap("ldapdave", "ldappass"), "ldapdave"),
        (Credentials::api_key("supersecretapikey"), "Dave Bowman"),
        (Credentials::anonymous(), "Guest"),
    ];

    for (credentials, full_name) in cases {
        let session = session(&emulator);
        session.login(credentials).await.unwrap();
        assert_eq!(session.user_info().await.unwrap().full_name, full_name);
        session.logout().await.unwrap();
    }

    assert_eq!(emulator.logins(), 4);
    assert_eq!(emulator.open_sessions(), 0);
}

#[tokio::test]
async fn wrong_password_is_a_login_failure_from_the_emulator() {
    let emulator = Emulator::start().await;
    let session = session(&emulator);

    let err = api_err(
        session
            .login(Credentials::standard("dave", "not his password"))
            .await,
    );

    assert_eq!(err.kind(), ApiErrorKind::LoginFailure);
    assert!(!session.has_session());
    assert_eq!(emulator.open_sessions(), 0);
}

#[tokio::test]
async fn idle_session_expires_into_a_session_error() {
    let emulator = Emulator::builder()
        .idle_timeout(Duration::from_secs(60))
        .start()
        .await;
    let session = session(&emulator);
    session
        .login(Credentials::standard("dave", "hellodave"))
        .await
        .unwrap();
    session.extend_session().await.unwrap();

    emulator.advance_clock(Duration::from_secs(61));
    let result = session.session_info().await;

    let err = match result {
        Err(e) => e,
        Ok(info) => panic!("expected an expired session, got {info}"),
    };
    assert!(err.is_session_expired(), "{err:?}");
    let Error::Api(api) = &err else {
        panic!("expected Error::Api, got {err:?}")
    };
    assert_eq!(api.kind(), ApiErrorKind::Session);
    assert_eq!(api.status, 401);
    assert_eq!(emulator.open_sessions(), 0);
}

#[tokio::test]
async fn extend_session_keeps_an_idle_session_alive() {
    let emulator = Emulator::builder()
        .idle_timeout(Duration::from_secs(60))
        .start()
        .await;
    let session = session(&emulator);
    session
        .login(Credentials::standard("dave", "hellodave"))
        .await
        .unwrap();

    for _ in 0..3 {
        emulator.advance_clock(Duration::from_secs(45));
        session.extend_session().await.unwrap();
    }

    session.session_info().await.unwrap();
    assert_eq!(emulator.open_sessions(), 1);
}

#[tokio::test]
async fn identity_token_delegation_gives_a_second_working_session() {
    let emulator = Emulator::start().await;
    let first = session(&emulator);
    first
        .login(Credentials::standard("dave", "hellodave"))
        .await
        .unwrap();

    let token = first.create_identity_token().await.unwrap();
    assert!(!token.expose_secret().is_empty());
    let second = session(&emulator);
    second.delegate(token).await.unwrap();

    assert_eq!(first.user_info().await.unwrap().full_name, "Dave Bowman");
    assert_eq!(second.user_info().await.unwrap().full_name, "Dave Bowman");
    assert_eq!(second.projects().await.unwrap().len(), 3);
    assert_eq!(emulator.open_sessions(), 2);
    second.logout().await.unwrap();
    first.logout().await.unwrap();
    assert_eq!(emulator.open_sessions(), 0);
}

#[tokio::test]
async fn saved_session_restored_from_json_keeps_working() {
    let emulator = Emulator::start().await;
    let original = session(&emulator);
    original
        .login(Credentials::standard("dave", "hellodave"))
        .await
        .unwrap();

    let saved = original.to_json().unwrap();
    let restored = Session::from_json(&saved).unwrap();
    restored.extend_session().await.unwrap();
    let me = restored.user_info().await.unwrap();
    restored.logout().await.unwrap();

    assert_eq!(me.full_name, "Dave Bowman");
    assert_eq!(emulator.logins(), 1, "no second login");
    assert_eq!(emulator.open_sessions(), 0);
}

#[tokio::test]
async fn project_scoped_call_sends_the_project_header() {
    let emulator = Emulator::start().await;
    let session = session(&emulator);
    session
        .login(Credentials::standard("dave", "hellodave"))
        .await
        .unwrap();
    let id = session
        .project_id("MicroStrategy Tutorial")
        .await
        .unwrap()
        .expect("a default project");

    let info: serde_json::Value = session
        .get("sessions/projectId")
        .project(&id)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let missing = api_err(session.get("sessions/projectId").send().await);

    assert_eq!(info["fullName"], "Dave Bowman");
    assert_eq!(missing.kind(), ApiErrorKind::InvalidRequest);
    let recorded = emulator.requests();
    let scoped = recorded
        .iter()
        .find(|r| r.path == "sessions/projectId")
        .expect("the scoped call was recorded");
    assert_eq!(scoped.header("x-mstr-projectid"), Some(TUTORIAL_ID));
}

#[tokio::test]
async fn injected_faults_surface_as_typed_errors() {
    let emulator = Emulator::start().await;
    let session = session(&emulator);
    session
        .login(Credentials::standard("dave", "hellodave"))
        .await
        .unwrap();

    // retries are off so each fault's one answer is what the caller sees
    let handle = &session;
    let list = move || async move {
        handle
            .get("projects")
            .retry(RetryPolicy::none())
            .send()
            .await?
            .json::<Vec<mstr_rest::projects::Project>>()
            .await
    };

    emulator.inject(Fault::path("projects").method("GET").times(1).respond_api(
        403,
        "ERR0014",
        "You do not have the privilege",
        None,
    ));
    let forbidden = api_err(list().await);
    emulator.inject(
        Fault::path("projects")
            .respond_html(502, "<html><body><h1>502 Bad Gateway</h1></body></html>"),
    );
    let gateway = api_err(list().await);
    emulator.inject(Fault::path("projects").respond_empty(503));
    let unavailable = api_err(list().await);
    let recovered = list().await.unwrap();

    assert_eq!(forbidden.kind(), ApiErrorKind::InsufficientPrivileges);
    assert_eq!(forbidden.status, 403);
    assert_eq!(gateway.status, 502);
    assert!(
        gateway.message.contains("Bad Gateway"),
        "{}",
        gateway.message
    );
    assert_eq!(unavailable.status, 503);
    assert_eq!(recovered.len(), 3);
}

#[tokio::test]
async fn session_expired_by_a_fault_is_detected_and_logout_still_succeeds() {
    let emulator = Emulator::start().await;
    let session = session(&emulator);
    session
        .login(Credentials::standard("dave", "hellodave"))
        .await
        .unwrap();

    emulator.inject(Fault::path("sessions").method("GET").expire_session());
    let err = session.session_info().await.unwrap_err();
    session.logout().await.unwrap();

    assert!(err.is_session_expired(), "{err:?}");
    assert!(!session.has_session());
    assert_eq!(emulator.open_sessions(), 0);
}
