//! `auth/*`: login in its modes, logout, identity tokens and delegation.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::map_response;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::json;

use super::extract::Authed;
use crate::body::Fields;
use crate::directory::MODE_STANDARD;
use crate::error_body::ApiError;
use crate::state::{AppState, NewSession, Prefs, header_str};

/// Delegation is the one `loginMode` `auth/delegate` accepts.
const MODE_DELEGATION: i64 = -1;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(api!("auth/login"), post(login))
        .route(api!("auth/logout"), post(logout))
        .route(api!("auth/delegate"), post(delegate))
        .route(
            api!("auth/identityToken"),
            post(create_identity_token).get(check_identity_token),
        )
        .layer(map_response(no_cache))
}

async fn login(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let opened = Fields::parse(&headers, &body).and_then(|fields| {
        let mode = fields.int("loginMode")?.unwrap_or(MODE_STANDARD);
        let prefs = prefs(&fields)?;
        let user =
            state
                .directory
                .authenticate(mode, fields.str("username"), fields.str("password"))?;
        Ok(state.login(user, prefs))
    });
    match opened {
        Ok(session) => session_opened(&session, state.settings.secure_cookies),
        Err(error) => error.into_response(),
    }
}

/// `maxSearch` and `workingSet` from the login body, as the session will report them.
fn prefs(fields: &Fields) -> Result<Prefs, ApiError> {
    let defaults = Prefs::default();
    Ok(Prefs {
        max_search: fields
            .int("maxSearch")?
            .map_or(defaults.max_search, |v| v.max(1)),
        // The spec gives workingSet a minimum of 3.
        working_set: fields
            .int("workingSet")?
            .map_or(defaults.working_set, |v| v.max(3)),
    })
}

async fn logout(State(state): State<AppState>, Authed(session): Authed) -> StatusCode {
    state.logout(&session);
    StatusCode::NO_CONTENT
}

async fn delegate(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let opened = Fields::parse(&headers, &body).and_then(|fields| {
        // mstr-rest-requests sends -1, mstrio "-1"; both arrive here as -1.
        let mode = fields
            .int("loginMode")
            .map_err(|_| ApiError::invalid_identity_token())?
            .unwrap_or(MODE_DELEGATION);
        if mode != MODE_DELEGATION {
            return Err(ApiError::invalid_identity_token());
        }
        let token = fields
            .str("identityToken")
            .ok_or_else(ApiError::invalid_identity_token)?;
        state
            .delegate(token)
            .ok_or_else(ApiError::invalid_identity_token)
    });
    match opened {
        Ok(session) => session_opened(&session, state.settings.secure_cookies),
        Err(error) => error.into_response(),
    }
}

async fn create_identity_token(State(state): State<AppState>, Authed(session): Authed) -> Response {
    let token = state.create_identity_token(&session);
    match HeaderValue::from_str(&token) {
        Ok(value) => (StatusCode::CREATED, [("x-mstr-identitytoken", value)]).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

async fn check_identity_token(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let user = header_str(&headers, "x-mstr-identitytoken").and_then(|t| state.identity_user(t));
    match user {
        Some(user) => Json(json!({ "userId": state.directory.user(user).id })).into_response(),
        None => ApiError::invalid_identity_token().into_response(),
    }
}

/// 204 with the new token and the cookies of the new HTTP session: `JSESSIONID` (Tomcat's)
/// and, as real servers send beside it, `iSession`.
fn session_opened(session: &NewSession, secure: bool) -> Response {
    let secure = if secure { "; Secure" } else { "" };
    let cookie = format!(
        "JSESSIONID={}; Path=/MicroStrategyLibrary{secure}; HttpOnly",
        session.cookie
    );
    // Guess: iSession's value is opaque; the emulator derives one from the HTTP session.
    let isession = format!(
        "iSession={}; Path=/MicroStrategyLibrary{secure}; HttpOnly",
        session.cookie.to_ascii_lowercase()
    );
    match (
        HeaderValue::from_str(&session.token),
        HeaderValue::from_str(&cookie),
        HeaderValue::from_str(&isession),
    ) {
        (Ok(token), Ok(cookie), Ok(isession)) => (
            StatusCode::NO_CONTENT,
            // Appended: two `Set-Cookie` headers, not one replacing the other.
            axum::response::AppendHeaders([
                (header::HeaderName::from_static("x-mstr-authtoken"), token),
                (header::SET_COOKIE, cookie),
                (header::SET_COOKIE, isession),
            ]),
        )
            .into_response(),
        // Generated from fixed alphabets, so never reached; answer like a broken server would.
        _ => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// Real servers mark every auth answer uncacheable.
async fn no_cache(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache, no-store, max-age=0, must-revalidate"),
    );
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    headers.insert(header::EXPIRES, HeaderValue::from_static("0"));
    response
}
