//! The Security Roles and Security Filters APIs.

use std::future::Future;

use mstr_rest_session::{Result, Session};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A security role (`GET securityRoles`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SecurityRole {
    /// The role id.
    pub id: String,
    /// The name.
    pub name: String,
    /// The description.
    #[serde(default)]
    pub description: Option<String>,
    /// Every other field the server sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A security filter (`GET securityFilters`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SecurityFilter {
    /// The filter id.
    pub id: String,
    /// The name.
    pub name: String,
    /// The description.
    #[serde(default)]
    pub description: Option<String>,
    /// Every other field the server sent (`qualification`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The modelling service wraps the list (`{"securityFilters": […]}`); accept a bare array too.
#[derive(Deserialize)]
#[serde(untagged)]
enum Listed {
    Wrapped {
        #[serde(rename = "securityFilters")]
        security_filters: Vec<SecurityFilter>,
    },
    Bare(Vec<SecurityFilter>),
}

impl Listed {
    fn into_vec(self) -> Vec<SecurityFilter> {
        match self {
            Listed::Wrapped { security_filters } => security_filters,
            Listed::Bare(v) => v,
        }
    }
}

/// The security APIs on a [`Session`]: `use mstr_rest_api::security::SecurityApi;` (or the
/// facade's prelude).
pub trait SecurityApi {
    /// `GET securityRoles`.
    ///
    /// # Errors
    /// [`Error::Api`](mstr_rest_session::Error::Api); [`Error::Transport`](mstr_rest_session::Error::Transport);
    /// [`Error::Decode`](mstr_rest_session::Error::Decode).
    fn security_roles(&self) -> impl Future<Output = Result<Vec<SecurityRole>>> + Send;

    /// `GET securityFilters` in a project.
    ///
    /// # Errors
    /// As [`security_roles`](Self::security_roles).
    fn security_filters(
        &self,
        project_id: &str,
    ) -> impl Future<Output = Result<Vec<SecurityFilter>>> + Send;
}

impl SecurityApi for Session {
    fn security_roles(&self) -> impl Future<Output = Result<Vec<SecurityRole>>> + Send {
        let request = self.get("securityRoles");
        async move { request.send().await?.json().await }
    }

    fn security_filters(
        &self,
        project_id: &str,
    ) -> impl Future<Output = Result<Vec<SecurityFilter>>> + Send {
        let request = self.get("securityFilters").project(project_id);
        async move {
            let listed: Listed = request.send().await?.json().await?;
            Ok(listed.into_vec())
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn security_filters_parse_wrapped_or_bare() {
        let wrapped: Listed = serde_json::from_value(
            json!({"securityFilters": [{"id": "1", "name": "a"}], "total": 1}),
        )
        .unwrap();
        let bare: Listed = serde_json::from_value(json!([{"id": "1", "name": "a"}])).unwrap();
        assert_eq!(wrapped.into_vec(), bare.into_vec());
    }
}
