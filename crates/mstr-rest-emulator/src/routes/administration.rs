//! Cube publishing (`POST v2/cubes/{id}` is routed with the cube's definition in
//! `reports`), cube status (`HEAD cubes/{id}`), emails (`POST emails`), transmitters, project
//! and user quotas, and publishing to Libraries (`POST library`, `DELETE library/…`).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, head, post, put};
use axum::{Json, Router};
use serde_json::{Value, json};

use super::extract::{Authed, ProjectScoped};
use super::{answer, json_object};
use crate::catalog::not_found;
use crate::error_body::ApiError;
use crate::ids;
use crate::reports::Kind;
use crate::state::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(api!("cubes/{id}"), head(cube_status))
        .route(api!("emails"), post(send_email))
        .route(api!("transmitters"), get(transmitters))
        .route(
            api!("projects/{id}/quotas"),
            get(project_quota).put(set_project_quota),
        )
        .route(api!("projects/{id}/users/quotas"), get(user_quotas))
        .route(
            api!("projects/{id}/users/{user}/quotas"),
            put(set_user_quota),
        )
        .route(api!("library/{id}"), delete(unpublish))
        .route(
            api!("library/{id}/recipients/{recipient}"),
            delete(unpublish_from),
        )
}

/// `POST v2/cubes/{id}`: 202 with the job; the cube reports processing for a few polls.
pub(super) async fn publish_cube(
    State(state): State<AppState>,
    _scope: ProjectScoped,
    Path(id): Path<String>,
) -> Response {
    answer((|| {
        state.reports.definition(&id, Kind::Cube)?;
        let job = state.catalog.operations().publish(&id);
        Ok((StatusCode::ACCEPTED, Json(job)).into_response())
    })())
}

async fn cube_status(
    State(state): State<AppState>,
    _scope: ProjectScoped,
    Path(id): Path<String>,
) -> Response {
    answer((|| {
        state.reports.definition(&id, Kind::Cube)?;
        let status = state.catalog.operations().cube_status(&id);
        Ok(([("x-mstr-cubestatus", status.to_string())], StatusCode::OK).into_response())
    })())
}

/// `POST emails`: `{notificationType, userIds (or the docs' userids), subject, content,
/// isHTML}` → 204.
async fn send_email(State(state): State<AppState>, Authed(_): Authed, body: Bytes) -> Response {
    answer((|| {
        let body = json_object(&body)?;
        let users = body
            .get("userIds")
            .or_else(|| body.get("userids"))
            .and_then(Value::as_array)
            .filter(|u| !u.is_empty())
            .ok_or_else(|| ApiError::invalid_input("userIds must list at least one user"))?;
        for field in ["subject", "content"] {
            if body[field].as_str().is_none_or(|s| s.trim().is_empty()) {
                return Err(ApiError::invalid_input(format!("{field} is required")));
            }
        }
        {
            let objects = state.catalog.objects();
            for user in users {
                let id = user.as_str().unwrap_or_default();
                if !objects.users.iter().any(|u| u.id.eq_ignore_ascii_case(id)) {
                    return Err(not_found("user", id));
                }
            }
        }
        state.catalog.operations().emails.push(body);
        Ok(StatusCode::NO_CONTENT.into_response())
    })())
}

async fn transmitters(Authed(_): Authed) -> Json<Value> {
    Json(json!({"transmitters": [{
        "id": ids::stable_guid("transmitter:Email"),
        "name": "Email",
        "description": "Default email transmitter",
        "deliveryType": "email",
        "isDefault": true,
    }]}))
}

fn known_project(state: &AppState, id: &str) -> Result<String, ApiError> {
    state
        .directory
        .project_by_id(id)
        .map(|p| p.id.clone())
        .ok_or_else(|| ApiError::project_not_found(id))
}

fn quota(body: &[u8]) -> Result<f64, ApiError> {
    json_object(body)?["quota"]
        .as_f64()
        .filter(|q| q.is_finite() && *q >= 0.0)
        .ok_or_else(|| ApiError::invalid_input("quota must be a number of MB, at least 0"))
}

async fn project_quota(
    State(state): State<AppState>,
    Authed(_): Authed,
    Path(id): Path<String>,
) -> Response {
    answer(known_project(&state, &id).map(|p| {
        Json(json!({"quota": state.catalog.operations().project_quota(&p)})).into_response()
    }))
}

async fn set_project_quota(
    State(state): State<AppState>,
    Authed(_): Authed,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    answer((|| {
        let p = known_project(&state, &id)?;
        let q = quota(&body)?;
        state.catalog.operations().set_project_quota(&p, q);
        Ok(StatusCode::NO_CONTENT.into_response())
    })())
}

async fn user_quotas(
    State(state): State<AppState>,
    Authed(_): Authed,
    Path(id): Path<String>,
) -> Response {
    answer(known_project(&state, &id).map(|p| {
        Json(json!({"users": state.catalog.operations().user_quotas(&p)})).into_response()
    }))
}

async fn set_user_quota(
    State(state): State<AppState>,
    Authed(_): Authed,
    Path((id, user)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    answer((|| {
        let p = known_project(&state, &id)?;
        let q = quota(&body)?;
        let user = state
            .catalog
            .objects()
            .users
            .iter()
            .find(|u| u.id.eq_ignore_ascii_case(&user))
            .map(|u| u.id.clone())
            .ok_or_else(|| not_found("user", &user))?;
        state.catalog.operations().set_user_quota(&p, &user, q);
        Ok(StatusCode::NO_CONTENT.into_response())
    })())
}

/// `POST library` `{id, recipients: [{id}]}`: a dossier or document (type 55) of the
/// project, published to known users or groups.
pub(super) async fn publish(
    State(state): State<AppState>,
    scope: ProjectScoped,
    body: Bytes,
) -> Response {
    answer((|| {
        let body = json_object(&body)?;
        let target = body["id"]
            .as_str()
            .ok_or_else(|| ApiError::invalid_input("id is required"))?;
        let recipients: Vec<String> = body["recipients"]
            .as_array()
            .filter(|r| !r.is_empty())
            .ok_or_else(|| {
                ApiError::invalid_input("recipients must list at least one user or group")
            })?
            .iter()
            .map(|r| r["id"].as_str().unwrap_or_default().to_owned())
            .collect();
        let mut objects = state.catalog.objects();
        let obj = objects
            .object(target)
            .filter(|o| o.object_type == 55 && o.project == scope.project.id)
            .ok_or_else(|| not_found("document", target))?
            .id
            .clone();
        for r in &recipients {
            let known = objects.users.iter().any(|u| u.id.eq_ignore_ascii_case(r))
                || objects.groups.iter().any(|g| g.id.eq_ignore_ascii_case(r));
            if !known {
                return Err(not_found("user or user group", r));
            }
        }
        match objects.recipients.iter_mut().find(|(t, _)| *t == obj) {
            Some((_, list)) => {
                for r in recipients {
                    if !list.contains(&r) {
                        list.push(r);
                    }
                }
            }
            None => objects.recipients.push((obj.clone(), recipients)),
        }
        if !objects.library.iter().any(|(_, t)| *t == obj) {
            let item = ids::stable_guid(&format!("library:{obj}"));
            objects.library.push((item, obj));
        }
        Ok(StatusCode::NO_CONTENT.into_response())
    })())
}

async fn unpublish(
    State(state): State<AppState>,
    Authed(_): Authed,
    Path(id): Path<String>,
) -> Response {
    let mut objects = state.catalog.objects();
    let before = objects.library.len();
    objects
        .library
        .retain(|(_, t)| !t.eq_ignore_ascii_case(&id));
    objects
        .recipients
        .retain(|(t, _)| !t.eq_ignore_ascii_case(&id));
    if objects.library.len() == before {
        return not_found("published document", &id).into_response();
    }
    StatusCode::NO_CONTENT.into_response()
}

async fn unpublish_from(
    State(state): State<AppState>,
    Authed(_): Authed,
    Path((id, recipient)): Path<(String, String)>,
) -> Response {
    let mut objects = state.catalog.objects();
    let removed = objects
        .recipients
        .iter_mut()
        .find(|(t, _)| t.eq_ignore_ascii_case(&id))
        .and_then(|(_, list)| {
            let at = list
                .iter()
                .position(|r| r.eq_ignore_ascii_case(&recipient))?;
            Some(list.remove(at))
        });
    match removed {
        Some(_) => StatusCode::NO_CONTENT.into_response(),
        None => not_found("recipient", &recipient).into_response(),
    }
}
