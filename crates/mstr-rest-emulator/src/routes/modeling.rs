//! The Modeling service: `model/changesets…` and `model/{kind}[/{id}]` for the kinds in
//! [`MODEL_KINDS`].

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};

use super::extract::{Authed, ProjectScoped};
use super::objects::query_pairs;
use super::{answer, json_object};
use crate::catalog::{MODEL_KINDS, changeset_required};
use crate::error_body::ApiError;
use crate::state::{AppState, header_str};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(api!("model/changesets"), post(open))
        .route(api!("model/changesets/{id}"), delete(abandon))
        .route(api!("model/changesets/{id}/commit"), post(commit))
        .route(api!("model/{kind}"), post(create))
        .route(api!("model/{kind}/{id}"), get(read).put(update))
}

fn changeset(headers: &HeaderMap) -> Option<&str> {
    header_str(headers, "x-mstr-ms-changeset")
        .map(str::trim)
        .filter(|c| !c.is_empty())
}

fn kind(kind: &str) -> Result<&'static str, ApiError> {
    MODEL_KINDS
        .iter()
        .find(|k| **k == kind)
        .copied()
        .ok_or_else(ApiError::route_not_found)
}

async fn open(
    State(state): State<AppState>,
    scope: ProjectScoped,
    RawQuery(q): RawQuery,
) -> Response {
    let schema_edit = query_pairs(q.as_deref())
        .iter()
        .any(|(k, v)| k == "schemaEdit" && v == "true");
    let user = state.directory.user(scope.session.user).id.clone();
    let info = state
        .catalog
        .modeling()
        .open(&scope.project.id, &user, schema_edit);
    (StatusCode::CREATED, Json(info)).into_response()
}

async fn commit(
    State(state): State<AppState>,
    Authed(_): Authed,
    Path(id): Path<String>,
) -> Response {
    answer(
        state
            .catalog
            .modeling()
            .commit(&id)
            .map(|info| (StatusCode::CREATED, Json(info)).into_response()),
    )
}

async fn abandon(
    State(state): State<AppState>,
    Authed(_): Authed,
    Path(id): Path<String>,
) -> Response {
    answer(
        state
            .catalog
            .modeling()
            .delete(&id)
            .map(|()| StatusCode::NO_CONTENT.into_response()),
    )
}

async fn create(
    State(state): State<AppState>,
    Authed(_): Authed,
    Path(k): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    answer((|| {
        let k = kind(&k)?;
        let cs = changeset(&headers).ok_or_else(changeset_required)?;
        let object = state
            .catalog
            .modeling()
            .create(cs, k, json_object(&body)?)?;
        Ok((StatusCode::CREATED, Json(object)).into_response())
    })())
}

async fn update(
    State(state): State<AppState>,
    Authed(_): Authed,
    Path((k, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    answer((|| {
        let k = kind(&k)?;
        let cs = changeset(&headers).ok_or_else(changeset_required)?;
        let object = state
            .catalog
            .modeling()
            .update(cs, k, &id, json_object(&body)?)?;
        Ok(Json(object).into_response())
    })())
}

async fn read(
    State(state): State<AppState>,
    Authed(_): Authed,
    Path((k, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    answer((|| {
        let k = kind(&k)?;
        let cs = changeset(&headers);
        let project = header_str(&headers, "x-mstr-projectid").map(str::trim);
        if cs.is_none() && project.is_none() {
            return Err(ApiError::project_header_missing());
        }
        let object = state.catalog.modeling().get(cs, project, k, &id)?;
        Ok(Json(object).into_response())
    })())
}
