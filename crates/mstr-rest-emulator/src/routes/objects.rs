//! Browsing, objects, library, user management and security: `folders…`,
//! `objects/{id}`, `library`, `users…`, `usergroups…`, `securityRoles`, `securityFilters`.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::extract::{Authed, ProjectScoped};
use super::{answer, json_object};
use crate::body::form_pairs;
use crate::catalog::{GroupRec, Objects, UserRec, not_found};
use crate::error_body::ApiError;
use crate::ids;
use crate::state::AppState;

/// The predefined folder `folders/preDefined/{n}` knows: Public Objects (a guess, listed in
/// the crate docs).
const PREDEFINED_PUBLIC_OBJECTS: &str = "1";
/// EnumDSSXMLObjectTypes of a report: the type of pushed datasets too.
const TYPE_REPORT: i64 = 3;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(api!("folders"), get(root_folders))
        .route(api!("folders/myPersonalObjects"), get(my_objects))
        .route(api!("folders/preDefined/{kind}"), get(predefined))
        .route(api!("folders/{id}"), get(folder))
        .route(api!("objects/{id}"), get(object).delete(delete_object))
        .route(
            api!("library"),
            get(library).post(super::administration::publish),
        )
        .route(api!("users"), get(users).post(create_user))
        .route(api!("users/{id}"), get(user).patch(update_user))
        .route(api!("usergroups"), get(groups).post(create_group))
        .route(api!("usergroups/{id}"), get(group).patch(update_group))
        .route(api!("securityRoles"), get(roles))
        .route(api!("securityFilters"), get(security_filters))
}

/// Query parameters, repeated keys kept (`type=3&type=55`).
pub(super) fn query_pairs(raw: Option<&str>) -> Vec<(String, String)> {
    raw.map(|q| form_pairs(q.as_bytes()).collect())
        .unwrap_or_default()
}

pub(super) fn query_int(pairs: &[(String, String)], key: &str) -> Result<Option<i64>, ApiError> {
    match pairs.iter().find(|(k, _)| k == key) {
        None => Ok(None),
        Some((_, v)) => v
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| ApiError::invalid_input(format!("{key} must be an integer"))),
    }
}

/// Applies `offset` and `limit` (−1 = all).
pub(super) fn page<T>(items: Vec<T>, pairs: &[(String, String)]) -> Result<Vec<T>, ApiError> {
    let offset = usize::try_from(query_int(pairs, "offset")?.unwrap_or(0).max(0)).unwrap_or(0);
    let limit = query_int(pairs, "limit")?.unwrap_or(-1);
    let rest = items.into_iter().skip(offset);
    Ok(match usize::try_from(limit) {
        Ok(limit) => rest.take(limit).collect(),
        Err(_) => rest.collect(),
    })
}

async fn root_folders(
    State(state): State<AppState>,
    scope: ProjectScoped,
    RawQuery(q): RawQuery,
) -> Response {
    let objects = state.catalog.objects();
    let roots: Vec<Value> = objects
        .objects
        .iter()
        .filter(|o| o.parent.is_none() && o.project == scope.project.id)
        .map(|o| objects.info(o))
        .collect();
    answer(page(roots, &query_pairs(q.as_deref())).map(|r| Json(r).into_response()))
}

fn folder_contents(
    objects: &Objects,
    id: &str,
    project: &str,
    q: Option<&str>,
) -> Result<Response, ApiError> {
    let folder = objects
        .object(id)
        .filter(|o| o.object_type == 8 && o.project == project)
        .ok_or_else(|| not_found("folder", id))?;
    let children = objects.children(&folder.id, project);
    Ok(Json(page(children, &query_pairs(q))?).into_response())
}

async fn folder(
    State(state): State<AppState>,
    scope: ProjectScoped,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    let objects = state.catalog.objects();
    answer(folder_contents(
        &objects,
        &id,
        &scope.project.id,
        q.as_deref(),
    ))
}

async fn my_objects(
    State(state): State<AppState>,
    scope: ProjectScoped,
    RawQuery(q): RawQuery,
) -> Response {
    let objects = state.catalog.objects();
    answer(folder_contents(
        &objects,
        crate::catalog::MY_REPORTS,
        &scope.project.id,
        q.as_deref(),
    ))
}

async fn predefined(
    State(state): State<AppState>,
    scope: ProjectScoped,
    Path(kind): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    if kind != PREDEFINED_PUBLIC_OBJECTS {
        return not_found("predefined folder", &kind).into_response();
    }
    let objects = state.catalog.objects();
    answer(folder_contents(
        &objects,
        crate::catalog::PUBLIC_OBJECTS,
        &scope.project.id,
        q.as_deref(),
    ))
}

fn required_type(q: Option<&str>) -> Result<i64, ApiError> {
    query_int(&query_pairs(q), "type")?.ok_or_else(|| ApiError::invalid_input("type is required"))
}

async fn object(
    State(state): State<AppState>,
    scope: ProjectScoped,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    answer((|| {
        let wanted = required_type(q.as_deref())?;
        if wanted == TYPE_REPORT
            && let Ok(d) = state.catalog.datasets().get(&scope.project.id, &id)
        {
            return Ok(Json(json!({
                "id": d.id, "name": d.name, "type": TYPE_REPORT, "subtype": 776,
                "projectId": d.project, "ancestors": [],
            }))
            .into_response());
        }
        // Reports and cubes with generated data (crate::reports), for mstrio-py's Report(conn, id).
        if wanted == TYPE_REPORT
            && let Some(info) = state.reports.object_info(&id, &scope.project.id)
        {
            return Ok(Json(info).into_response());
        }
        let objects = state.catalog.objects();
        let obj = objects
            .object(&id)
            .filter(|o| o.object_type == wanted && o.project == scope.project.id)
            .ok_or_else(|| not_found("object", &id))?;
        Ok(Json(objects.info(obj)).into_response())
    })())
}

async fn delete_object(
    State(state): State<AppState>,
    scope: ProjectScoped,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    answer((|| {
        let wanted = required_type(q.as_deref())?;
        if wanted == TYPE_REPORT && state.catalog.datasets().remove(&scope.project.id, &id) {
            return Ok(StatusCode::NO_CONTENT.into_response());
        }
        let mut objects = state.catalog.objects();
        let at = objects
            .objects
            .iter()
            .position(|o| {
                o.id.eq_ignore_ascii_case(&id)
                    && o.object_type == wanted
                    && o.project == scope.project.id
            })
            .ok_or_else(|| not_found("object", &id))?;
        objects.objects.remove(at);
        Ok(StatusCode::NO_CONTENT.into_response())
    })())
}

async fn library(State(state): State<AppState>, Authed(_): Authed) -> Json<Vec<Value>> {
    let objects = state.catalog.objects();
    Json(
        objects
            .library
            .iter()
            .filter_map(|(item, target)| {
                let obj = objects.object(target)?;
                // A Library target has no `type` on real servers (mstrio-py's `library.json`).
                let mut target = objects.info(obj);
                if let Value::Object(map) = &mut target {
                    map.remove("type");
                }
                Some(json!({
                    "id": item,
                    "name": obj.name,
                    "projectId": obj.project,
                    "active": true,
                    "target": target,
                }))
            })
            .collect(),
    )
}

async fn users(
    State(state): State<AppState>,
    Authed(_): Authed,
    RawQuery(q): RawQuery,
) -> Response {
    let pairs = query_pairs(q.as_deref());
    let begins = pairs
        .iter()
        .find(|(k, _)| k == "nameBegins")
        .map(|(_, v)| v.to_lowercase());
    let objects = state.catalog.objects();
    let found: Vec<Value> = objects
        .users
        .iter()
        .filter(|u| {
            begins.as_deref().is_none_or(|b| {
                u.full_name.to_lowercase().starts_with(b)
                    || u.username.to_lowercase().starts_with(b)
            })
        })
        .map(crate::catalog::Objects::user_list_item)
        .collect();
    answer(page(found, &pairs).map(|r| Json(r).into_response()))
}

async fn user(
    State(state): State<AppState>,
    Authed(_): Authed,
    Path(id): Path<String>,
) -> Response {
    let objects = state.catalog.objects();
    answer(
        objects
            .users
            .iter()
            .find(|u| u.id.eq_ignore_ascii_case(&id))
            .map(|u| Json(objects.user_info(u)).into_response())
            .ok_or_else(|| not_found("user", &id)),
    )
}

async fn create_user(State(state): State<AppState>, Authed(_): Authed, body: Bytes) -> Response {
    answer((|| {
        let body = json_object(&body)?;
        let username = body["username"]
            .as_str()
            .filter(|u| !u.is_empty())
            .ok_or_else(|| ApiError::invalid_input("username is required"))?;
        let full_name = body["fullName"]
            .as_str()
            .ok_or_else(|| ApiError::invalid_input("fullName is required"))?;
        let mut objects = state.catalog.objects();
        if objects
            .users
            .iter()
            .any(|u| u.username.eq_ignore_ascii_case(username))
        {
            return Err(ApiError::invalid_input(format!(
                "The user '{username}' already exists"
            )));
        }
        let user = UserRec {
            id: ids::stable_guid(&format!("created-user:{username}")),
            username: username.to_owned(),
            full_name: full_name.to_owned(),
            description: body["description"].as_str().unwrap_or_default().to_owned(),
            enabled: body["enabled"].as_bool().unwrap_or(true),
        };
        let id = user.id.clone();
        objects.users.push(user);
        for group in body["memberships"].as_array().into_iter().flatten() {
            if let Some(gid) = group.as_str()
                && let Ok(g) = objects.group_mut(gid)
            {
                g.members.push(id.clone());
            }
        }
        let info = objects
            .users
            .last()
            .map(|u| objects.user_info(u))
            .unwrap_or_default();
        Ok((StatusCode::CREATED, Json(info)).into_response())
    })())
}

/// The `operationList` of a PATCH: `[{op, path, value}]`.
fn operations(body: &Value) -> Result<Vec<(String, String, Value)>, ApiError> {
    body["operationList"]
        .as_array()
        .ok_or_else(|| ApiError::invalid_input("operationList is required"))?
        .iter()
        .map(|op| {
            Some((
                op["op"].as_str()?.to_owned(),
                op["path"].as_str()?.to_owned(),
                op["value"].clone(),
            ))
        })
        .collect::<Option<_>>()
        .ok_or_else(|| ApiError::invalid_input("every operation needs op and path"))
}

fn bad_op(op: &str, path: &str) -> ApiError {
    ApiError::invalid_input(format!("unsupported operation '{op}' on '{path}'"))
}

async fn update_user(
    State(state): State<AppState>,
    Authed(_): Authed,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    answer((|| {
        let ops = operations(&json_object(&body)?)?;
        let mut objects = state.catalog.objects();
        let user = objects.user_mut(&id)?;
        for (op, path, value) in &ops {
            match (op.as_str(), path.as_str(), value) {
                ("replace", "/fullName", Value::String(v)) => user.full_name.clone_from(v),
                ("replace", "/description", Value::String(v)) => user.description.clone_from(v),
                ("replace", "/username", Value::String(v)) => user.username.clone_from(v),
                ("replace", "/enabled", Value::Bool(v)) => user.enabled = *v,
                _ => return Err(bad_op(op, path)),
            }
        }
        let user = user.clone();
        Ok(Json(objects.user_info(&user)).into_response())
    })())
}

async fn groups(
    State(state): State<AppState>,
    Authed(_): Authed,
    RawQuery(q): RawQuery,
) -> Response {
    let objects = state.catalog.objects();
    let all: Vec<Value> = objects
        .groups
        .iter()
        .map(|g| objects.group_info(g))
        .collect();
    answer(page(all, &query_pairs(q.as_deref())).map(|r| Json(r).into_response()))
}

async fn group(
    State(state): State<AppState>,
    Authed(_): Authed,
    Path(id): Path<String>,
) -> Response {
    let objects = state.catalog.objects();
    answer(
        objects
            .groups
            .iter()
            .find(|g| g.id.eq_ignore_ascii_case(&id))
            .map(|g| Json(objects.group_info(g)).into_response())
            .ok_or_else(|| not_found("user group", &id)),
    )
}

fn member_ids(value: &Value, objects: &Objects) -> Result<Vec<String>, ApiError> {
    let ids: Vec<String> = match value {
        Value::Array(a) => a
            .iter()
            .filter_map(|v| v.as_str().or_else(|| v["id"].as_str()).map(str::to_owned))
            .collect(),
        Value::String(s) => vec![s.clone()],
        _ => return Err(ApiError::invalid_input("members must be user ids")),
    };
    match ids
        .iter()
        .find(|id| !objects.users.iter().any(|u| u.id.eq_ignore_ascii_case(id)))
    {
        Some(unknown) => Err(not_found("user", unknown)),
        None => Ok(ids),
    }
}

async fn create_group(State(state): State<AppState>, Authed(_): Authed, body: Bytes) -> Response {
    answer((|| {
        let body = json_object(&body)?;
        let name = body["name"]
            .as_str()
            .filter(|n| !n.is_empty())
            .ok_or_else(|| ApiError::invalid_input("name is required"))?;
        let mut objects = state.catalog.objects();
        if objects.groups.iter().any(|g| g.name == name) {
            return Err(ApiError::invalid_input(format!(
                "The user group '{name}' already exists"
            )));
        }
        let members = match &body["members"] {
            Value::Null => Vec::new(),
            m => member_ids(m, &objects)?,
        };
        let group = GroupRec {
            id: ids::stable_guid(&format!("created-group:{name}")),
            name: name.to_owned(),
            description: body["description"].as_str().unwrap_or_default().to_owned(),
            members,
        };
        let info = objects.group_info(&group);
        objects.groups.push(group);
        Ok((StatusCode::CREATED, Json(info)).into_response())
    })())
}

async fn update_group(
    State(state): State<AppState>,
    Authed(_): Authed,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    answer((|| {
        let ops = operations(&json_object(&body)?)?;
        let mut objects = state.catalog.objects();
        let mut group = objects.group_mut(&id)?.clone();
        for (op, path, value) in &ops {
            match (op.as_str(), path.as_str(), value) {
                ("replace", "/name", Value::String(v)) => group.name.clone_from(v),
                ("replace", "/description", Value::String(v)) => group.description.clone_from(v),
                ("add", "/members", v) => {
                    for m in member_ids(v, &objects)? {
                        if !group.members.contains(&m) {
                            group.members.push(m);
                        }
                    }
                }
                ("remove", "/members", v) => {
                    let gone = member_ids(v, &objects)?;
                    group.members.retain(|m| !gone.contains(m));
                }
                _ => return Err(bad_op(op, path)),
            }
        }
        let info = objects.group_info(&group);
        *objects.group_mut(&id)? = group;
        Ok(Json(info).into_response())
    })())
}

async fn roles(State(state): State<AppState>, Authed(_): Authed) -> Json<Vec<Value>> {
    let objects = state.catalog.objects();
    Json(
        objects
            .roles
            .iter()
            .map(
                |r| json!({ "id": r.id, "name": r.name, "description": r.description, "type": 44 }),
            )
            .collect(),
    )
}

async fn security_filters(State(state): State<AppState>, scope: ProjectScoped) -> Json<Value> {
    let objects = state.catalog.objects();
    let filters: Vec<Value> = objects
        .security_filters
        .iter()
        .filter(|f| f.project == scope.project.id)
        .map(|f| json!({ "id": f.id, "name": f.name, "description": f.description, "type": 58 }))
        .collect();
    Json(json!({ "securityFilters": filters, "total": filters.len() }))
}
