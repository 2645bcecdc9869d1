//! `searches/results`: quick search (reference §6). The emulator holds no objects yet, so every
//! search finds nothing; it exists to exercise the project header on a real project-scoped call.

use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::extract::ProjectScoped;
use crate::state::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route(api!("searches/results"), get(quick_search))
}

async fn quick_search(_scope: ProjectScoped) -> Json<Value> {
    Json(json!({ "totalItems": 0, "result": [] }))
}
