//! The HTTP surface, one module per area of the API. A new area (reports, datasets, …) is a new
//! module with a `routes()` merged in [`router`].

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::response::IntoResponse;

use crate::error_body::ApiError;
use crate::intercept::intercept;
use crate::state::AppState;

/// An absolute route path from one relative to `/MicroStrategyLibrary/api/`.
macro_rules! api {
    ($path:literal) => {
        concat!("/MicroStrategyLibrary/api/", $path)
    };
}

pub(crate) mod admin;
mod administration;
mod auth;
mod datasets;
mod datasources;
mod documents;
mod extract;
mod modeling;
mod objects;
mod packages;
mod projects;
mod reports;
mod searches;
mod sessions;

/// Builds the whole application around the shared state.
pub(crate) fn router(state: AppState) -> Router {
    Router::new()
        .merge(auth::routes())
        .merge(sessions::routes())
        .merge(projects::routes())
        .merge(reports::routes())
        .merge(searches::routes())
        .merge(datasets::routes())
        .merge(objects::routes())
        .merge(documents::routes())
        .merge(modeling::routes())
        .merge(datasources::routes())
        .merge(packages::routes())
        .merge(administration::routes())
        // Set after every route is merged: it only reaches routes that already exist.
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(not_found)
        // Push-data chunks may be far larger than axum's 2 MB default.
        .layer(DefaultBodyLimit::disable())
        .layer(middleware::from_fn(head_without_body))
        .layer(middleware::from_fn_with_state(state.clone(), intercept))
        .layer(middleware::from_fn_with_state(state.clone(), admin::layer))
        .with_state(state)
}

/// A `HEAD` answer has headers only: its error bodies are dropped here, before the exchange
/// is recorded, as hyper drops them on the wire.
async fn head_without_body(
    request: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    let head = request.method() == axum::http::Method::HEAD;
    let response = next.run(request).await;
    if !head {
        return response;
    }
    let (parts, _) = response.into_parts();
    axum::response::Response::from_parts(parts, axum::body::Body::empty())
}

/// A handler's result as the answer: the response, or the error's JSON body.
fn answer(result: Result<axum::response::Response, ApiError>) -> axum::response::Response {
    result.unwrap_or_else(IntoResponse::into_response)
}

/// A request body that must be a JSON object; anything else is 400 `ERR006` "Invalid JSON".
fn json_object(body: &[u8]) -> Result<serde_json::Value, ApiError> {
    match serde_json::from_slice(body) {
        Ok(v @ serde_json::Value::Object(_)) => Ok(v),
        _ => Err(ApiError::invalid_json()),
    }
}

async fn not_found() -> impl IntoResponse {
    ApiError::route_not_found()
}

async fn method_not_allowed() -> impl IntoResponse {
    ApiError::method_not_allowed()
}
