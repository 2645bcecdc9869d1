//! Report and cube instances: creation, paging, 202 polls and
//! prompts. The data and the instance bookkeeping live in [`crate::reports`].

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde_json::{Value, json};

use super::extract::ProjectScoped;
use crate::error_body::ApiError;
use crate::reports::{Answer, Exclusions, Kind, NewInstance, PageRequest, RUNNING};
use crate::state::{AppState, header_str};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(api!("v2/reports/{id}/instances"), post(create_report))
        .route(api!("v2/cubes/{id}/instances"), post(create_cube))
        .route(
            api!("v2/reports/{id}/instances/{iid}"),
            get(fetch).put(select_page_by),
        )
        .route(
            api!("v2/cubes/{id}/instances/{iid}"),
            get(fetch).put(select_page_by),
        )
        .route(api!("v2/cubes/{id}/instances/{iid}/status"), get(status))
        .route(api!("reports/{id}/instances/{iid}/status"), get(status))
        .route(api!("reports/{id}/prompts"), get(definition_prompts))
        .route(
            api!("reports/{id}/instances/{iid}/prompts"),
            get(open_prompts),
        )
        .route(
            api!("reports/{id}/instances/{iid}/prompts/answers"),
            put(answer_prompts),
        )
        // What mstrio-py asks before it reads a report (see the crate docs).
        .route(api!("status"), get(server_status))
        .route(api!("v2/reports/{id}"), get(report_definition))
        .route(
            api!("v2/cubes/{id}"),
            get(cube_definition).post(super::administration::publish_cube),
        )
        .route(
            api!("v2/reports/{id}/instances/{iid}/pageBy/elements"),
            get(page_by),
        )
}

async fn page_by(
    State(state): State<AppState>,
    scope: ProjectScoped,
    Path((id, iid)): Path<(String, String)>,
    Query(params): Params,
) -> Result<Json<Value>, ApiError> {
    let page = page_request(&params)?;
    state
        .reports
        .page_by(
            &scope.session.server_session,
            &id,
            &iid,
            page.offset,
            page.limit,
        )
        .map(Json)
}

/// `PUT v2/{reports|cubes}/{id}/instances/{iid}`: moves the instance to another page-by slice.
async fn select_page_by(
    State(state): State<AppState>,
    scope: ProjectScoped,
    Path((id, iid)): Path<(String, String)>,
    Query(params): Params,
    body: Bytes,
) -> Result<Response, ApiError> {
    let page = page_request(&params)?;
    let body: Value = serde_json::from_slice(&body).map_err(|_| ApiError::invalid_json())?;
    state
        .reports
        .select_page_by(&scope.session.server_session, &id, &iid, &body, page)
        .map(respond)
}

async fn report_definition(
    State(state): State<AppState>,
    _scope: ProjectScoped,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    state.reports.definition(&id, Kind::Report).map(Json)
}

async fn cube_definition(
    State(state): State<AppState>,
    _scope: ProjectScoped,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    state.reports.definition(&id, Kind::Cube).map(Json)
}

/// `GET status` (no session needed): the versions mstrio-py checks at connect.
async fn server_status() -> Json<Value> {
    Json(json!({
        "webVersion": "11.4.0300.0000",
        "iServerVersion": "11.4.0300.0000",
        "deploymentType": "on-premises",
    }))
}

type Params = Query<HashMap<String, String>>;

fn page_request(params: &HashMap<String, String>) -> Result<PageRequest, ApiError> {
    let int = |key: &str, default: i64| -> Result<i64, ApiError> {
        params.get(key).map_or(Ok(default), |v| {
            v.trim()
                .parse()
                .map_err(|_| ApiError::invalid_input(format!("'{key}' must be an integer")))
        })
    };
    let offset = int("offset", 0)?;
    let limit = int("limit", 1000)?;
    if offset < 0 || limit < -1 || limit == 0 {
        return Err(ApiError::invalid_input(
            "'offset' must be at least 0 and 'limit' -1 or positive",
        ));
    }
    Ok(PageRequest {
        offset: offset.unsigned_abs(),
        limit,
        exclusions: Exclusions::parse(params.get("fields").map(String::as_str)),
    })
}

fn respond(answer: Answer) -> Response {
    match answer {
        Answer::Running { report, instance } => (
            StatusCode::ACCEPTED,
            Json(json!({ "id": report, "status": RUNNING, "instanceId": instance })),
        )
            .into_response(),
        Answer::Prompted {
            report,
            name,
            instance,
        } => Json(json!({ "id": report, "name": name, "instanceId": instance, "status": 2 }))
            .into_response(),
        Answer::Page(body) => ([(header::CONTENT_TYPE, "application/json")], body).into_response(),
    }
}

fn json_body(body: &[u8]) -> Result<Value, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    serde_json::from_slice(body).map_err(|_| ApiError::invalid_json())
}

async fn create(
    state: AppState,
    scope: ProjectScoped,
    kind: Kind,
    id: String,
    params: HashMap<String, String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let page = page_request(&params)?;
    let body = json_body(&body)?;
    let respond_async = header_str(&headers, "prefer")
        .is_some_and(|p| p.to_ascii_lowercase().contains("respond-async"));
    let working_set = usize::try_from(scope.session.prefs.working_set).unwrap_or(10);
    let answer = state.reports.create(
        &scope.session.server_session,
        working_set,
        NewInstance {
            id: &id,
            kind,
            body: &body,
            respond_async,
            page,
        },
    )?;
    Ok(respond(answer))
}

async fn create_report(
    State(state): State<AppState>,
    scope: ProjectScoped,
    Path(id): Path<String>,
    Query(params): Params,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    create(state, scope, Kind::Report, id, params, headers, body).await
}

async fn create_cube(
    State(state): State<AppState>,
    scope: ProjectScoped,
    Path(id): Path<String>,
    Query(params): Params,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    create(state, scope, Kind::Cube, id, params, headers, body).await
}

async fn fetch(
    State(state): State<AppState>,
    scope: ProjectScoped,
    Path((id, iid)): Path<(String, String)>,
    Query(params): Params,
) -> Result<Response, ApiError> {
    let page = page_request(&params)?;
    let answer = state
        .reports
        .fetch(&scope.session.server_session, &id, &iid, page)?;
    Ok(respond(answer))
}

async fn status(
    State(state): State<AppState>,
    scope: ProjectScoped,
    Path((id, iid)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let status = state
        .reports
        .status(&scope.session.server_session, &id, &iid)?;
    let code = if status == RUNNING {
        StatusCode::ACCEPTED
    } else {
        StatusCode::OK
    };
    let text = match status {
        1 => "Ready",
        2 => "Prompt",
        _ => "Running",
    };
    Ok((
        code,
        [("x-mstr-istatus", text), ("retry-after", "1")],
        Json(json!({ "id": id.to_ascii_uppercase(), "instanceId": iid, "status": status })),
    )
        .into_response())
}

async fn definition_prompts(
    State(state): State<AppState>,
    _scope: ProjectScoped,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    state.reports.definition_prompts(&id).map(Json)
}

async fn open_prompts(
    State(state): State<AppState>,
    scope: ProjectScoped,
    Path((id, iid)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    state
        .reports
        .open_prompts(&scope.session.server_session, &id, &iid)
        .map(Json)
}

async fn answer_prompts(
    State(state): State<AppState>,
    scope: ProjectScoped,
    Path((id, iid)): Path<(String, String)>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let body = json_body(&body)?;
    state
        .reports
        .answer_prompts(&scope.session.server_session, &id, &iid, &body)?;
    Ok(StatusCode::NO_CONTENT)
}
