//! `searches/results`: quick search over the seeded objects of the caller's
//! project. `pattern` 2 matches the name exactly, anything else (4 = contains, the default)
//! matches a part of it, ignoring case; `type` may repeat; `root` keeps objects below a folder.

use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::extract::ProjectScoped;
use super::objects::{page, query_int, query_pairs};
use crate::state::AppState;

/// EnumDSSXMLSearchTypes: exactly.
const PATTERN_EXACTLY: i64 = 2;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route(api!("searches/results"), get(quick_search))
}

async fn quick_search(
    State(state): State<AppState>,
    scope: ProjectScoped,
    RawQuery(q): RawQuery,
) -> Response {
    let pairs = query_pairs(q.as_deref());
    let pattern = match query_int(&pairs, "pattern") {
        Ok(p) => p.unwrap_or(4),
        Err(e) => return e.into_response(),
    };
    let name = pairs
        .iter()
        .find(|(k, _)| k == "name")
        .map(|(_, v)| v.to_lowercase())
        .unwrap_or_default();
    let types: Vec<i64> = pairs
        .iter()
        .filter(|(k, _)| k == "type")
        .filter_map(|(_, v)| v.trim().parse().ok())
        .collect();
    let root = pairs
        .iter()
        .find(|(k, _)| k == "root")
        .map(|(_, v)| v.clone());
    let objects = state.catalog.objects();
    let found: Vec<Value> = objects
        .objects
        .iter()
        .filter(|o| o.project == scope.project.id)
        .filter(|o| {
            let n = o.name.to_lowercase();
            if pattern == PATTERN_EXACTLY {
                n == name
            } else {
                n.contains(&name)
            }
        })
        .filter(|o| types.is_empty() || types.contains(&o.object_type))
        .map(|o| objects.info(o))
        .filter(|info| {
            root.as_deref().is_none_or(|r| {
                info["ancestors"].as_array().is_some_and(|a| {
                    a.iter().any(|x| {
                        x["id"]
                            .as_str()
                            .is_some_and(|id| id.eq_ignore_ascii_case(r))
                    })
                })
            })
        })
        .collect();
    let total = found.len();
    match page(found, &pairs) {
        Ok(result) => Json(json!({ "totalItems": total, "result": result })).into_response(),
        Err(e) => e.into_response(),
    }
}
