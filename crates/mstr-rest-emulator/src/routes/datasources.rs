//! Datasource management: `datasources`, `datasources/connections`, `datasources/logins`
//! (list, get, create, `PATCH` with `operationList`). Server-wide: no project header.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use super::extract::Authed;
use super::{answer, json_object};
use crate::catalog::{DbObject, Operations};
use crate::state::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            api!("datasources"),
            get(list_instances).post(create_instance),
        )
        .route(
            api!("datasources/connections"),
            get(list_connections).post(create_connection),
        )
        .route(
            api!("datasources/logins"),
            get(list_logins).post(create_login),
        )
        .route(
            api!("datasources/connections/{id}"),
            get(connection).patch(patch_connection),
        )
        .route(
            api!("datasources/logins/{id}"),
            get(login).patch(patch_login),
        )
        .route(
            api!("datasources/{id}"),
            get(instance).patch(patch_instance),
        )
}

/// Which list of [`Operations`] a route works on, and what its items are called.
#[derive(Clone, Copy)]
enum Family {
    Instances,
    Connections,
    Logins,
}

impl Family {
    fn list(self, ops: &mut Operations) -> &mut Vec<DbObject> {
        match self {
            Family::Instances => &mut ops.instances,
            Family::Connections => &mut ops.connections,
            Family::Logins => &mut ops.logins,
        }
    }

    fn key(self) -> &'static str {
        match self {
            Family::Instances => "datasources",
            Family::Connections => "connections",
            Family::Logins => "logins",
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Family::Instances => "datasource",
            Family::Connections => "database connection",
            Family::Logins => "database login",
        }
    }
}

fn list(state: &AppState, family: Family) -> Response {
    let mut ops = state.catalog.operations();
    let items = Operations::list(family.list(&mut ops));
    Json(json!({ family.key(): items })).into_response()
}

fn one(state: &AppState, family: Family, id: &str) -> Response {
    let mut ops = state.catalog.operations();
    answer(
        Operations::find(family.list(&mut ops), family.noun(), id)
            .map(|o| Json(o.body.clone()).into_response()),
    )
}

fn create(state: &AppState, family: Family, body: &[u8]) -> Response {
    answer((|| {
        let body = json_object(body)?;
        let mut ops = state.catalog.operations();
        let created = Operations::create(family.list(&mut ops), family.noun(), body)?;
        Ok((StatusCode::CREATED, Json(created)).into_response())
    })())
}

fn patch(state: &AppState, family: Family, id: &str, body: &[u8]) -> Response {
    answer((|| {
        let body = json_object(body)?;
        let mut ops = state.catalog.operations();
        let object = Operations::find(family.list(&mut ops), family.noun(), id)?;
        Ok(Json(Operations::patch(object, &body)?).into_response())
    })())
}

async fn list_instances(State(s): State<AppState>, Authed(_): Authed) -> Response {
    list(&s, Family::Instances)
}
async fn list_connections(State(s): State<AppState>, Authed(_): Authed) -> Response {
    list(&s, Family::Connections)
}
async fn list_logins(State(s): State<AppState>, Authed(_): Authed) -> Response {
    list(&s, Family::Logins)
}
async fn instance(
    State(s): State<AppState>,
    Authed(_): Authed,
    Path(id): Path<String>,
) -> Response {
    one(&s, Family::Instances, &id)
}
async fn connection(
    State(s): State<AppState>,
    Authed(_): Authed,
    Path(id): Path<String>,
) -> Response {
    one(&s, Family::Connections, &id)
}
async fn login(State(s): State<AppState>, Authed(_): Authed, Path(id): Path<String>) -> Response {
    one(&s, Family::Logins, &id)
}
async fn create_instance(State(s): State<AppState>, Authed(_): Authed, body: Bytes) -> Response {
    create(&s, Family::Instances, &body)
}
async fn create_connection(State(s): State<AppState>, Authed(_): Authed, body: Bytes) -> Response {
    create(&s, Family::Connections, &body)
}
async fn create_login(State(s): State<AppState>, Authed(_): Authed, body: Bytes) -> Response {
    create(&s, Family::Logins, &body)
}
async fn patch_instance(
    State(s): State<AppState>,
    Authed(_): Authed,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    patch(&s, Family::Instances, &id, &body)
}
async fn patch_connection(
    State(s): State<AppState>,
    Authed(_): Authed,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    patch(&s, Family::Connections, &id, &body)
}
async fn patch_login(
    State(s): State<AppState>,
    Authed(_): Authed,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    patch(&s, Family::Logins, &id, &body)
}
