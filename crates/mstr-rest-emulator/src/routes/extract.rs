//! Extractors that turn the MSTR headers into a checked session and project.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::directory::Project;
use crate::error_body::ApiError;
use crate::state::{AppState, SessionView, header_str};

/// The caller's live session; rejects with 401 `ERR009`. Extracting it resets the idle timer.
#[derive(Debug)]
pub(super) struct Authed(pub(super) SessionView);

impl FromRequestParts<AppState> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        state.authenticate(&parts.headers).map(Authed)
    }
}

/// A live session plus the project named by `X-MSTR-ProjectID`. The session is checked first,
/// so a stale token wins over a bad project.
#[derive(Debug)]
pub(super) struct ProjectScoped {
    pub(super) session: SessionView,
    #[allow(
        dead_code,
        reason = "read by project-scoped routes yet to come (reports, datasets)"
    )]
    pub(super) project: Project,
}

impl FromRequestParts<AppState> for ProjectScoped {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let session = state.authenticate(&parts.headers)?;
        let id = header_str(&parts.headers, "x-mstr-projectid")
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .ok_or_else(ApiError::project_header_missing)?;
        let project = state
            .directory
            .project_by_id(id)
            .cloned()
            .ok_or_else(|| ApiError::project_not_found(id))?;
        Ok(Self { session, project })
    }
}
