//! Security roles and security filters.

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
pub(super) enum Listed {
    Wrapped {
        #[serde(rename = "securityFilters")]
        security_filters: Vec<SecurityFilter>,
    },
    Bare(Vec<SecurityFilter>),
}

impl Listed {
    pub(super) fn into_vec(self) -> Vec<SecurityFilter> {
        match self {
            Listed::Wrapped { security_filters } => security_filters,
            Listed::Bare(v) => v,
        }
    }
}
