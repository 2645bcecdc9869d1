//! Projects and the session information the server reports.

use serde::{Deserialize, Serialize};

/// A project the user can access (`GET projects`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Project {
    /// The project GUID, sent as `X-MSTR-ProjectID`.
    pub id: String,
    /// The project name.
    pub name: String,
    /// The alias, often empty.
    #[serde(default)]
    pub alias: String,
    /// The description.
    #[serde(default)]
    pub description: String,
    /// 0 when active (EnumDSSXMLProjectStatus).
    #[serde(default)]
    pub status: i32,
    /// Every other field the server sent (`acg`, `owner`, `dateCreated`, …).
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// The user and session, as `GET sessions/userInfo` reports them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UserInfo {
    /// The user GUID.
    #[serde(default)]
    pub id: String,
    /// The user's display name.
    #[serde(default)]
    pub full_name: String,
    /// The user's initials.
    #[serde(default)]
    pub initials: String,
    /// False for users created on the fly (LDAP, SSO).
    #[serde(default)]
    pub metadata_user: Option<bool>,
    /// Idle seconds before the server closes the session.
    #[serde(default)]
    pub timeout: Option<i64>,
    /// Every other field the server sent (`locale`, `maxSearch`, `workingSet`, …).
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}
