//! Push Data API through upload sessions: `datasets/models`,
//! `datasets/{id}`, `datasets/{id}/uploadSessions[/{sid}[/publish|/publishStatus]]`.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use base64::Engine as _;
use serde_json::{Value, json};

use super::extract::ProjectScoped;
use super::{answer, json_object};
use crate::error_body::ApiError;
use crate::state::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(api!("datasets/models"), post(create_model))
        .route(api!("datasets/{id}"), get(info))
        .route(api!("datasets/{id}/uploadSessions"), post(open))
        .route(
            api!("datasets/{id}/uploadSessions/{sid}"),
            put(upload).delete(delete),
        )
        .route(
            api!("datasets/{id}/uploadSessions/{sid}/publish"),
            post(publish),
        )
        .route(
            api!("datasets/{id}/uploadSessions/{sid}/publishStatus"),
            get(status),
        )
}

async fn create_model(
    State(state): State<AppState>,
    scope: ProjectScoped,
    body: Bytes,
) -> Response {
    answer((|| {
        let body = json_object(&body)?;
        let mut datasets = state.catalog.datasets();
        let d = datasets.create_model(&scope.project.id, &body)?;
        Ok(Json(json!({ "id": d.id, "name": d.name })).into_response())
    })())
}

async fn info(
    State(state): State<AppState>,
    scope: ProjectScoped,
    Path(id): Path<String>,
) -> Response {
    let datasets = state.catalog.datasets();
    answer(datasets.get(&scope.project.id, &id).map(|d| {
        let tables: Vec<Value> = d
            .tables
            .iter()
            .map(|t| {
                let columns: Vec<Value> = t
                    .columns
                    .iter()
                    .map(|(n, ty)| json!({ "name": n, "dataType": ty }))
                    .collect();
                json!({ "name": t.name, "columnHeaders": columns })
            })
            .collect();
        Json(json!({ "id": d.id, "name": d.name, "tables": tables })).into_response()
    }))
}

async fn open(
    State(state): State<AppState>,
    scope: ProjectScoped,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    answer((|| {
        let body = json_object(&body)?;
        let sid = state
            .catalog
            .datasets()
            .open(&scope.project.id, &id, &body)?;
        Ok(Json(json!({ "uploadSessionId": sid })).into_response())
    })())
}

async fn upload(
    State(state): State<AppState>,
    scope: ProjectScoped,
    Path((id, sid)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    answer((|| {
        let body = json_object(&body)?;
        let table = body["tableName"]
            .as_str()
            .ok_or_else(|| ApiError::invalid_input("tableName is required"))?;
        let index = body["index"]
            .as_i64()
            .ok_or_else(|| ApiError::invalid_input("index must be an integer"))?;
        let data = body["data"]
            .as_str()
            .ok_or_else(|| ApiError::invalid_input("data must be a base64 string"))?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data)
            .map_err(|_| ApiError::invalid_input("data is not valid base64"))?;
        state
            .catalog
            .datasets()
            .put(&scope.project.id, &id, &sid, table, index, bytes)?;
        Ok(StatusCode::OK.into_response())
    })())
}

async fn publish(
    State(state): State<AppState>,
    scope: ProjectScoped,
    Path((id, sid)): Path<(String, String)>,
) -> Response {
    let done = state
        .catalog
        .datasets()
        .publish(&scope.project.id, &id, &sid);
    answer(done.map(|()| StatusCode::OK.into_response()))
}

async fn status(
    State(state): State<AppState>,
    scope: ProjectScoped,
    Path((id, sid)): Path<(String, String)>,
) -> Response {
    let status = state
        .catalog
        .datasets()
        .status(&scope.project.id, &id, &sid);
    // The docs sample sends the status as a string; so does the emulator.
    answer(status.map(|(status, message)| {
        Json(json!({ "uploadSessionId": sid, "status": status.to_string(), "message": message }))
            .into_response()
    }))
}

async fn delete(
    State(state): State<AppState>,
    scope: ProjectScoped,
    Path((id, sid)): Path<(String, String)>,
) -> Response {
    let done = state
        .catalog
        .datasets()
        .delete(&scope.project.id, &id, &sid);
    answer(done.map(|()| StatusCode::OK.into_response()))
}
