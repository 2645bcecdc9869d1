//! `/__emulator/*`: control routes for drivers that run the emulator as a separate process
//! (another language's test suite, the conformance run). Outside the API mount, off unless
//! [`EmulatorBuilder::admin_routes`](crate::EmulatorBuilder::admin_routes) (`--admin`) turns
//! them on, and never recorded themselves.
//!
//! While on, every API exchange is kept with its response (status, headers, body), so a
//! driver can compare what two clients sent and check what the emulator answered against
//! `openapi.yaml`.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::Json;
use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error_body::ApiError;
use crate::fault::Fault;
use crate::intercept::api_relative;
use crate::record::{MAX_RECORDED, RecordedRequest};
use crate::state::AppState;

#[cfg(test)]
mod tests;

/// Where the control routes live: beside the API mount, never under it.
pub(crate) const ADMIN_PREFIX: &str = "/__emulator/";

/// The emulator's own contract, served at `GET /__emulator/openapi.yaml`.
const OPENAPI: &str = include_str!("../../openapi.yaml");

/// Control request bodies are small; anything larger is a mistake.
const CONTROL_BODY_LIMIT: usize = 64 * 1024;

/// Marks a response that a queued [`Fault`] produced, so the exchange log can say so.
#[derive(Debug, Clone, Copy)]
pub(crate) struct InjectedFault;

/// One API exchange: the request as it arrived and the response as it left.
#[derive(Debug, Clone)]
struct Exchange {
    seq: u64,
    request: RecordedRequest,
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// Set when the response body broke off (a `reset_mid_body` fault).
    body_error: Option<String>,
    injected_fault: bool,
}

impl Exchange {
    fn to_json(&self) -> Value {
        let request = &self.request;
        json!({
            "seq": self.seq,
            "method": request.method,
            "path": request.path,
            "query": request.query,
            "headers": pairs(&request.headers),
            "body": String::from_utf8_lossy(&request.body),
            "response": {
                "status": self.status,
                "headers": pairs(&self.headers),
                "body": String::from_utf8_lossy(&self.body),
                "bodyError": self.body_error,
                "injectedFault": self.injected_fault,
            },
        })
    }
}

fn pairs(headers: &[(String, String)]) -> Value {
    headers
        .iter()
        .map(|(name, value)| json!([name, value]))
        .collect()
}

/// The exchanges seen while the control routes are on, bounded like the request log.
#[derive(Debug, Default)]
pub(crate) struct ExchangeLog {
    next_seq: AtomicU64,
    entries: Mutex<VecDeque<Exchange>>,
}

impl ExchangeLog {
    fn lock(&self) -> MutexGuard<'_, VecDeque<Exchange>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn seq(&self) -> u64 {
        self.next_seq.fetch_add(1, Ordering::Relaxed) + 1
    }

    fn push(&self, exchange: Exchange) {
        let mut entries = self.lock();
        if entries.len() >= MAX_RECORDED {
            entries.pop_front();
        }
        entries.push_back(exchange);
    }

    /// Oldest first by arrival, although each entry was stored when its response was done.
    fn snapshot(&self) -> Vec<Exchange> {
        let mut all: Vec<Exchange> = self.lock().iter().cloned().collect();
        all.sort_by_key(|e| e.seq);
        all
    }

    pub(crate) fn clear(&self) {
        self.lock().clear();
    }
}

/// The outermost layer: answers `/__emulator/*` itself and records every other exchange.
/// With the control routes off it only passes the request on.
pub(crate) async fn layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if !state.settings.admin_routes {
        return next.run(request).await;
    }
    if let Some(route) = request.uri().path().strip_prefix(ADMIN_PREFIX) {
        let route = route.to_owned();
        return control(&state, &route, request).await;
    }
    capture(&state, request, next).await
}

async fn capture(state: &AppState, request: Request, next: Next) -> Response {
    let seq = state.exchanges.seq();
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, usize::MAX).await else {
        return ApiError::invalid_input("The request body could not be read").into_response();
    };
    let recorded = RecordedRequest::from_parts(&parts, api_relative(parts.uri.path()), &bytes);
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let injected_fault = response.extensions().get::<InjectedFault>().is_some();
    let (parts, body) = response.into_parts();

    // Read frame by frame so that a body which breaks off is kept up to the break, and is
    // broken off again for the client.
    let mut stream = body.into_data_stream();
    let mut received = Vec::new();
    let mut body_error = None;
    while let Some(frame) = stream.next().await {
        match frame {
            Ok(chunk) => received.extend_from_slice(&chunk),
            Err(error) => {
                body_error = Some(error.to_string());
                break;
            }
        }
    }
    state.exchanges.push(Exchange {
        seq,
        request: recorded,
        status: parts.status.as_u16(),
        headers: header_pairs(&parts.headers),
        body: received.clone(),
        body_error: body_error.clone(),
        injected_fault,
    });
    let body = match body_error {
        None => Body::from(received),
        Some(message) => {
            let frames: [Result<Bytes, std::io::Error>; 2] = [
                Ok(Bytes::from(received)),
                Err(std::io::Error::other(message)),
            ];
            Body::from_stream(futures_util::stream::iter(frames))
        }
    };
    Response::from_parts(parts, body)
}

fn header_pairs(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            (name.as_str().to_ascii_lowercase(), value)
        })
        .collect()
}

/// The control routes; the table in the crate docs lists them.
async fn control(state: &AppState, route: &str, request: Request) -> Response {
    let method = request.method().clone();
    let known = matches!(
        route,
        "requests" | "reset" | "faults" | "clock" | "stats" | "openapi.yaml" | "dataset-rows"
    );
    match (route, &method) {
        ("requests", &Method::GET) => {
            let exchanges: Vec<Value> = state
                .exchanges
                .snapshot()
                .iter()
                .map(Exchange::to_json)
                .collect();
            Json(exchanges).into_response()
        }
        ("requests", &Method::DELETE) => {
            state.clear_requests();
            state.exchanges.clear();
            StatusCode::NO_CONTENT.into_response()
        }
        ("reset", &Method::POST) => {
            state.reset();
            StatusCode::NO_CONTENT.into_response()
        }
        ("faults", &Method::POST) => match read_json::<FaultSpec>(request).await {
            Ok(spec) => match spec.into_fault() {
                Ok(fault) => {
                    state.inject(fault);
                    StatusCode::NO_CONTENT.into_response()
                }
                Err(error) => error.into_response(),
            },
            Err(error) => error.into_response(),
        },
        ("clock", &Method::POST) => match read_json::<ClockSpec>(request).await {
            Ok(spec) => {
                state
                    .clock
                    .advance(Duration::from_secs(spec.advance_seconds));
                StatusCode::NO_CONTENT.into_response()
            }
            Err(error) => error.into_response(),
        },
        ("stats", &Method::GET) => Json(json!({
            "openSessions": state.open_sessions(),
            "logins": state.logins(),
            "logouts": state.logouts(),
        }))
        .into_response(),
        ("dataset-rows", &Method::GET) => {
            let query = request.uri().query().unwrap_or("").to_owned();
            let get = |name: &str| {
                query
                    .split('&')
                    .filter_map(|pair| pair.split_once('='))
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_owned())
            };
            // Ids and plain table names: no percent-decoding needed.
            match (get("dataset"), get("table")) {
                (Some(dataset), Some(table)) => {
                    match state.catalog.datasets().rows(&dataset, &table) {
                        Some(rows) => Json(rows).into_response(),
                        None => ApiError::invalid_input(format!(
                            "No dataset {dataset} with a published table {table}"
                        ))
                        .into_response(),
                    }
                }
                _ => ApiError::invalid_input("dataset-rows takes ?dataset=ID&table=NAME")
                    .into_response(),
            }
        }
        ("openapi.yaml", &Method::GET) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/yaml"),
            )],
            OPENAPI,
        )
            .into_response(),
        _ if known => ApiError::method_not_allowed().into_response(),
        _ => ApiError::route_not_found().into_response(),
    }
}

async fn read_json<T: for<'de> Deserialize<'de>>(request: Request) -> Result<T, ApiError> {
    let bytes = to_bytes(request.into_body(), CONTROL_BODY_LIMIT)
        .await
        .map_err(|_| ApiError::invalid_input("The control request body is too large"))?;
    serde_json::from_slice(&bytes)
        .map_err(|error| ApiError::invalid_input(format!("Invalid control request: {error}")))
}

/// `POST /__emulator/clock`: `{"advanceSeconds": 3600}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ClockSpec {
    advance_seconds: u64,
}

/// `POST /__emulator/faults`: a [`Fault`] as JSON.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct FaultSpec {
    path: Option<String>,
    method: Option<String>,
    times: Option<usize>,
    delay_ms: Option<u64>,
    #[serde(default)]
    expire_session: bool,
    respond: Option<RespondSpec>,
}

/// The canned answer: an API error (`code` set), a raw body (`contentType`/`body`), an empty
/// answer (`status` alone), or a body that breaks off (`resetMidBody`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RespondSpec {
    status: Option<u16>,
    code: Option<String>,
    message: Option<String>,
    i_server_code: Option<i64>,
    content_type: Option<String>,
    body: Option<String>,
    #[serde(default)]
    reset_mid_body: bool,
}

impl FaultSpec {
    fn into_fault(self) -> Result<Fault, ApiError> {
        let mut fault = match self.path {
            Some(path) => Fault::path(&path),
            None => Fault::any(),
        };
        if let Some(method) = self.method {
            fault = fault.method(&method);
        }
        if let Some(times) = self.times {
            fault = fault.times(times);
        }
        if let Some(ms) = self.delay_ms {
            fault = fault.delay(Duration::from_millis(ms));
        }
        if self.expire_session {
            fault = fault.expire_session();
        }
        match self.respond {
            None => Ok(fault),
            Some(respond) => respond.apply(fault),
        }
    }
}

impl RespondSpec {
    fn apply(self, fault: Fault) -> Result<Fault, ApiError> {
        if self.reset_mid_body {
            return Ok(fault.reset_mid_body());
        }
        let status = self
            .status
            .filter(|s| (100..=999).contains(s))
            .ok_or_else(|| ApiError::invalid_input("respond.status must be 100..=999"))?;
        let raw = self.content_type.is_some() || self.body.is_some();
        match (self.code, raw) {
            (Some(_), true) => Err(ApiError::invalid_input(
                "respond takes either code (an API error) or contentType/body (a raw answer)",
            )),
            (Some(code), false) => Ok(fault.respond_api(
                status,
                &code,
                self.message.as_deref().unwrap_or(""),
                self.i_server_code,
            )),
            (None, true) => Ok(fault.respond_raw(
                status,
                self.content_type.as_deref().unwrap_or(""),
                self.body.unwrap_or_default().as_bytes(),
            )),
            (None, false) => Ok(fault.respond_empty(status)),
        }
    }
}
