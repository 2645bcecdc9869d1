//! `projects`, `projects/{name}`. No project header needed.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::extract::Authed;
use crate::directory::Project;
use crate::error_body::ApiError;
use crate::state::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(api!("projects"), get(list))
        .route(api!("projects/{name}"), get(one))
}

fn project_info(project: &Project) -> Value {
    json!({
        "id": project.id,
        "name": project.name,
        "alias": "",
        "description": "",
        "status": 0,
    })
}

async fn list(State(state): State<AppState>, Authed(_): Authed) -> Json<Vec<Value>> {
    Json(
        state
            .directory
            .projects()
            .iter()
            .map(project_info)
            .collect(),
    )
}

async fn one(
    State(state): State<AppState>,
    Authed(_): Authed,
    name: Result<Path<String>, axum::extract::rejection::PathRejection>,
) -> Response {
    // A name that does not decode to UTF-8 cannot name any project.
    let Ok(Path(name)) = name else {
        return ApiError::project_not_found("?").into_response();
    };
    match state.directory.project_by_name_or_id(&name) {
        Some(project) => Json(project_info(project)).into_response(),
        None => ApiError::project_not_found(&name).into_response(),
    }
}
