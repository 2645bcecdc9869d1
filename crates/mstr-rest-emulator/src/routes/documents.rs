//! Dossiers and documents: `dossiers/{id}/definition`, instances and exports.

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use base64::Engine as _;
use serde_json::json;

use super::answer;
use super::extract::ProjectScoped;
use crate::catalog::{DossierSpec, ExportAnswer};
use crate::error_body::ApiError;
use crate::state::{AppState, header_str};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(api!("dossiers/{id}/definition"), get(definition))
        .route(api!("dossiers/{id}/instances"), post(create))
        .route(api!("documents/{id}/instances"), post(create))
        .route(api!("documents/{id}/instances/{mid}"), delete(remove))
        .route(api!("documents/{id}/instances/{mid}/status"), get(status))
        .route(api!("documents/{id}/instances/{mid}/pdf"), post(pdf))
        .route(api!("documents/{id}/instances/{mid}/excel"), post(excel))
        .route(
            api!("documents/{id}/instances/{mid}/visualizations/{key}/csv"),
            post(csv),
        )
}

async fn definition(
    State(state): State<AppState>,
    _scope: ProjectScoped,
    Path(id): Path<String>,
) -> Response {
    answer(
        state
            .catalog
            .documents()
            .spec(&id)
            .map(|s| Json(s.definition()).into_response()),
    )
}

async fn create(
    State(state): State<AppState>,
    _scope: ProjectScoped,
    Path(id): Path<String>,
) -> Response {
    answer(state.catalog.documents().create(&id).map(|(mid, status)| {
        (
            StatusCode::CREATED,
            Json(json!({"mid": mid, "status": status})),
        )
            .into_response()
    }))
}

async fn status(
    State(state): State<AppState>,
    _scope: ProjectScoped,
    Path((id, mid)): Path<(String, String)>,
) -> Response {
    answer(
        state
            .catalog
            .documents()
            .status(&id, &mid)
            .map(|status| Json(json!({"status": status})).into_response()),
    )
}

async fn remove(
    State(state): State<AppState>,
    _scope: ProjectScoped,
    Path((id, mid)): Path<(String, String)>,
) -> Response {
    answer(
        state
            .catalog
            .documents()
            .delete(&id, &mid)
            .map(|()| StatusCode::NO_CONTENT.into_response()),
    )
}

/// A PDF of `pages` pages, each padded to about `page_bytes` — generated page by page as it is
/// sent, so a large export costs the emulator no memory.
fn pdf_chunks(spec: &DossierSpec) -> impl Iterator<Item = Bytes> + Send + 'static {
    let pages = spec.pdf_pages;
    let page_bytes = spec.pdf_page_bytes;
    let header = Bytes::from(format!("%PDF-1.7\n% {}\n", spec.name));
    let body = (1..=pages).map(move |n| {
        let mut page = format!(
            "{} 0 obj << /Type /Page /Contents (page {n}) >>\nstream\n",
            n.saturating_add(2)
        )
        .into_bytes();
        page.resize(page_bytes.max(page.len()), b' ');
        page.extend_from_slice(b"\nendstream\nendobj\n");
        Bytes::from(page)
    });
    let trailer = Bytes::from(format!("trailer << /Pages {pages} >>\n%%EOF\n"));
    std::iter::once(header)
        .chain(body)
        .chain(std::iter::once(trailer))
}

/// The file as the client asked: raw bytes, streamed, for `application/octet-stream`;
/// otherwise the documented JSON `{"data": "<base64>"}`.
fn file(headers: &HeaderMap, chunks: impl Iterator<Item = Bytes> + Send + 'static) -> Response {
    let binary =
        header_str(headers, "accept").is_some_and(|a| a.contains("application/octet-stream"));
    if binary {
        let stream = futures_util::stream::iter(chunks.map(Ok::<_, std::io::Error>));
        return (
            [(header::CONTENT_TYPE, "application/octet-stream")],
            Body::from_stream(stream),
        )
            .into_response();
    }
    let whole: Vec<u8> = chunks.flat_map(|c| c.to_vec()).collect();
    Json(json!({"data": base64::engine::general_purpose::STANDARD.encode(whole)})).into_response()
}

fn export(
    state: &AppState,
    id: &str,
    mid: &str,
    visualization: Option<&str>,
) -> Result<Option<DossierSpec>, ApiError> {
    match state.catalog.documents().export(id, mid, visualization)? {
        ExportAnswer::Running => Ok(None),
        ExportAnswer::Ready(spec) => Ok(Some(spec)),
    }
}

fn running() -> Response {
    (StatusCode::ACCEPTED, Json(json!({"status": "running"}))).into_response()
}

async fn pdf(
    State(state): State<AppState>,
    _scope: ProjectScoped,
    Path((id, mid)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    answer((|| {
        if !body.iter().all(u8::is_ascii_whitespace)
            && !serde_json::from_slice::<serde_json::Value>(&body).is_ok_and(|v| v.is_object())
        {
            return Err(ApiError::invalid_json());
        }
        let Some(spec) = export(&state, &id, &mid, None)? else {
            return Ok(running());
        };
        Ok(file(&headers, pdf_chunks(&spec)))
    })())
}

async fn excel(
    State(state): State<AppState>,
    _scope: ProjectScoped,
    Path((id, mid)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    answer((|| {
        let Some(spec) = export(&state, &id, &mid, None)? else {
            return Ok(running());
        };
        // The zip magic of an .xlsx, then the dossier's name: enough for a client to check.
        let workbook = [b"PK\x03\x04".as_slice(), spec.name.as_bytes()].concat();
        Ok(file(&headers, std::iter::once(Bytes::from(workbook))))
    })())
}

async fn csv(
    State(state): State<AppState>,
    _scope: ProjectScoped,
    Path((id, mid, key)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    answer((|| {
        let Some(spec) = export(&state, &id, &mid, Some(&key))? else {
            return Ok(running());
        };
        let regions = [
            "Northeast",
            "Southeast",
            "Central",
            "Northwest",
            "Southwest",
        ];
        let mut text = String::from("\"Region\",\"Revenue\"\n");
        for i in 0..spec.csv_rows {
            let region = regions[usize::try_from(i).unwrap_or(0) % regions.len()];
            text.push_str(&format!(
                "\"{region}\",{}\n",
                1000u64.saturating_add(u64::from(i).saturating_mul(37))
            ));
        }
        Ok(file(&headers, std::iter::once(Bytes::from(text))))
    })())
}
