//! Migration packages: `packages`, `packages/{id}[/binary]`, `packages/imports[/{id}]`,
//! `packages/imports/{id}/undoPackage/binary`. Ids are base64 (they hold `+`, `/`, `=`) and
//! arrive percent-encoded.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::Value;

use super::answer;
use super::extract::Authed;
use super::objects::query_pairs;
use crate::catalog::Obj;
use crate::error_body::ApiError;
use crate::state::{AppState, header_str};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(api!("packages"), post(create))
        .route(api!("packages/imports"), post(start_import))
        .route(
            api!("packages/imports/{id}"),
            get(import_status).delete(delete_import),
        )
        .route(api!("packages/imports/{id}/undoPackage/binary"), get(undo))
        .route(api!("packages/{id}"), get(read).put(define).delete(remove))
        .route(api!("packages/{id}/binary"), get(download).put(upload))
}

/// Project packages name their project in the header; configuration packages do not.
fn project(state: &AppState, headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    match header_str(headers, "x-mstr-projectid")
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        None => Ok(None),
        Some(id) => state
            .directory
            .project_by_id(id)
            .map(|p| Some(p.id.clone()))
            .ok_or_else(|| ApiError::project_not_found(id)),
    }
}

fn accepted(body: Value) -> Response {
    (StatusCode::ACCEPTED, Json(body)).into_response()
}

async fn create(State(state): State<AppState>, Authed(_): Authed, headers: HeaderMap) -> Response {
    answer(project(&state, &headers).map(|p| {
        let created = state.catalog.operations().create_package(p.as_deref());
        (StatusCode::CREATED, Json(created)).into_response()
    }))
}

async fn define(
    State(state): State<AppState>,
    Authed(_): Authed,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    answer((|| {
        let definition: Value =
            serde_json::from_slice(&body).map_err(|_| ApiError::invalid_json())?;
        let objects = state.catalog.objects();
        let lookup = |oid: &str| objects.object(oid).map(|o| (o.name.clone(), o.object_type));
        let started = state
            .catalog
            .operations()
            .define_package(&id, definition, &lookup)?;
        Ok(accepted(started))
    })())
}

async fn read(
    State(state): State<AppState>,
    Authed(_): Authed,
    Path(id): Path<String>,
) -> Response {
    answer(
        state
            .catalog
            .operations()
            .get_package(&id)
            .map(|p| Json(p).into_response()),
    )
}

async fn remove(
    State(state): State<AppState>,
    Authed(_): Authed,
    Path(id): Path<String>,
) -> Response {
    answer(state.catalog.operations().delete_package(&id).map(accepted))
}

fn binary(file: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, "application/octet-stream")], file).into_response()
}

async fn download(
    State(state): State<AppState>,
    Authed(_): Authed,
    Path(id): Path<String>,
) -> Response {
    answer(state.catalog.operations().package_binary(&id).map(binary))
}

/// The `file` part of a `multipart/form-data` body.
fn file_part<'a>(headers: &HeaderMap, body: &'a [u8]) -> Result<&'a [u8], ApiError> {
    let bad =
        || ApiError::invalid_input("Upload the package as multipart/form-data with a 'file' part");
    let boundary = header_str(headers, "content-type")
        .filter(|ct| ct.trim_start().starts_with("multipart/form-data"))
        .and_then(|ct| {
            ct.split(';')
                .find_map(|p| p.trim().strip_prefix("boundary="))
        })
        .map(|b| b.trim_matches('"'))
        .ok_or_else(bad)?;
    let open = format!("--{boundary}\r\n");
    let close = format!("\r\n--{boundary}");
    let rest = body.strip_prefix(open.as_bytes()).ok_or_else(bad)?;
    let headers_end = rest
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(bad)?;
    let part_headers = String::from_utf8_lossy(&rest[..headers_end]);
    if !part_headers.contains("name=\"file\"") {
        return Err(bad());
    }
    let content = &rest[headers_end.saturating_add(4)..];
    let end = content
        .windows(close.len())
        .rposition(|w| w == close.as_bytes())
        .ok_or_else(bad)?;
    Ok(&content[..end])
}

async fn upload(
    State(state): State<AppState>,
    Authed(_): Authed,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    answer((|| {
        let file = file_part(&headers, &body)?;
        let uploaded = state.catalog.operations().upload_package(&id, file)?;
        Ok(Json(uploaded).into_response())
    })())
}

/// Objects an import finished bringing in join the target's catalog (under Public Objects).
fn settle_imports(state: &AppState) {
    let imported: Vec<_> = state.catalog.operations().imported.drain(..).collect();
    let mut objects = state.catalog.objects();
    for (project, id, name, object_type) in imported {
        if objects.object(&id).is_none() {
            objects.objects.push(Obj {
                id,
                name,
                object_type,
                subtype: if object_type == 3 { 768 } else { 0 },
                description: "Imported".to_owned(),
                parent: Some(crate::catalog::PUBLIC_OBJECTS.to_owned()),
                project,
            });
        }
    }
}

async fn start_import(
    State(state): State<AppState>,
    Authed(_): Authed,
    RawQuery(q): RawQuery,
) -> Response {
    answer((|| {
        let pairs = query_pairs(q.as_deref());
        let package = pairs
            .iter()
            .find(|(k, _)| k == "packageId")
            .map(|(_, v)| v.clone())
            .ok_or_else(|| ApiError::invalid_input("packageId is required"))?;
        let undo = pairs
            .iter()
            .any(|(k, v)| k == "generateUndo" && v == "true");
        let started = state.catalog.operations().start_import(&package, undo)?;
        settle_imports(&state);
        Ok(accepted(started))
    })())
}

async fn import_status(
    State(state): State<AppState>,
    Authed(_): Authed,
    Path(id): Path<String>,
) -> Response {
    let status = state.catalog.operations().get_import(&id);
    settle_imports(&state);
    answer(status.map(|s| Json(s).into_response()))
}

async fn delete_import(
    State(state): State<AppState>,
    Authed(_): Authed,
    Path(id): Path<String>,
) -> Response {
    answer(
        state
            .catalog
            .operations()
            .delete_import(&id)
            .map(|()| accepted(serde_json::json!({"id": id, "status": "DELETING"}))),
    )
}

async fn undo(
    State(state): State<AppState>,
    Authed(_): Authed,
    Path(id): Path<String>,
) -> Response {
    answer(state.catalog.operations().undo_binary(&id).map(binary))
}
