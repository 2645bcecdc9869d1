//! `sessions*`: session info, keep-alive and lifetime.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Map, Value, json};

use super::extract::{Authed, ProjectScoped};
use crate::state::{AppState, SessionView};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(api!("sessions"), get(session).put(keep_alive))
        .route(api!("sessions/userInfo"), get(session))
        .route(api!("sessions/projectId"), get(project_session))
        .route(api!("sessions/lifetime"), get(lifetime))
}

/// The `SessionInfo` body shared by every `sessions*` GET.
fn session_info(state: &AppState, session: &SessionView) -> Map<String, Value> {
    let user = state.directory.user(session.user);
    let body = json!({
        "id": user.id,
        "fullName": user.full_name,
        "initials": user.initials,
        "locale": 1033,
        "maxSearch": session.prefs.max_search,
        "workingSet": session.prefs.working_set,
        "timeout": state.settings.idle_timeout.as_secs(),
        "metadataUser": user.metadata_user(),
    });
    match body {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

async fn session(
    State(state): State<AppState>,
    Authed(session): Authed,
) -> Json<Map<String, Value>> {
    Json(session_info(&state, &session))
}

/// The idle timer was already reset by authenticating; that is all a keep-alive does.
async fn keep_alive(Authed(_): Authed) -> StatusCode {
    StatusCode::NO_CONTENT
}

async fn project_session(
    State(state): State<AppState>,
    scope: ProjectScoped,
) -> Json<Map<String, Value>> {
    Json(session_info(&state, &scope.session))
}

/// `lifetime` is the idle time that was left when the call arrived, before the call itself
/// reset the timer; otherwise it would always equal `timeout`.
async fn lifetime(
    State(state): State<AppState>,
    Authed(session): Authed,
) -> Json<Map<String, Value>> {
    let mut body = session_info(&state, &session);
    body.insert("lifetime".into(), json!(session.remaining.as_secs()));
    Json(body)
}
