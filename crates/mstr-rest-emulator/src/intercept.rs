//! The outermost layer: records each request, then lets a queued [`Fault`](crate::Fault) act
//! before any route sees it.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::API_PREFIX;
use crate::error_body::ApiError;
use crate::record::RecordedRequest;
use crate::state::{AppState, header_str};

pub(crate) async fn intercept(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let (parts, body) = request.into_parts();
    // Buffered whole so the log can keep the exact bytes; routes read the same bytes afterwards.
    let Ok(bytes) = to_bytes(body, usize::MAX).await else {
        return ApiError::invalid_input("The request body could not be read").into_response();
    };
    let path = api_relative(parts.uri.path());
    if state.settings.record_requests {
        state.record(RecordedRequest::from_parts(&parts, path, &bytes));
    }
    if let Some(fault) = state.take_fault(parts.method.as_str(), path) {
        tracing::debug!(method = %parts.method, path, "emulator: applying an injected fault");
        if let Some(delay) = fault.delay {
            tokio::time::sleep(delay).await;
        }
        if fault.expire_session
            && let Some(token) = header_str(&parts.headers, "x-mstr-authtoken")
        {
            state.expire_token(token);
        }
        if let Some(mut response) = fault.response() {
            response
                .extensions_mut()
                .insert(crate::routes::admin::InjectedFault);
            return response;
        }
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// The path below `/MicroStrategyLibrary/api/`, or the whole path when it lies outside the API.
pub(crate) fn api_relative(path: &str) -> &str {
    path.strip_prefix(API_PREFIX).unwrap_or(path)
}
