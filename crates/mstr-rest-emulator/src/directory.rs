//! Who and what the server knows: users, API keys and projects. Fixed when the emulator starts.

use crate::error_body::ApiError;
use crate::ids;

/// How a user is defined on the server, which decides the login modes that accept them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UserKind {
    /// A metadata user: `loginMode` 1 (and 4096 through an API key).
    Standard,
    /// An LDAP user: `loginMode` 16 only; not a metadata user.
    Ldap,
    /// The built-in guest behind `loginMode` 8.
    Guest,
}

#[derive(Debug, Clone)]
pub(crate) struct User {
    pub(crate) id: String,
    pub(crate) full_name: String,
    pub(crate) initials: String,
    pub(crate) kind: UserKind,
    username: String,
    /// `None` for a user that exists only behind an API key and cannot log in with a password.
    password: Option<String>,
}

impl User {
    pub(crate) fn new(
        kind: UserKind,
        username: &str,
        password: Option<&str>,
        full_name: &str,
    ) -> Self {
        // LDAP users get their own id space, so a standard and an LDAP user with the same name
        // are different users, as on a real server.
        let seed = match kind {
            UserKind::Ldap => format!("ldap:{username}"),
            UserKind::Standard | UserKind::Guest => username.to_owned(),
        };
        Self {
            id: ids::stable_guid(&seed),
            full_name: full_name.to_owned(),
            initials: initials(full_name),
            kind,
            username: username.to_owned(),
            password: password.map(str::to_owned),
        }
    }

    /// The login name.
    pub(crate) fn username(&self) -> &str {
        &self.username
    }

    /// Metadata users are `true`; users created on the fly (LDAP, SSO) are `false`.
    pub(crate) fn metadata_user(&self) -> bool {
        self.kind != UserKind::Ldap
    }
}

fn initials(full_name: &str) -> String {
    full_name
        .split_whitespace()
        .filter_map(|word| word.chars().next())
        .take(2)
        .flat_map(char::to_uppercase)
        .collect()
}

#[derive(Debug, Clone)]
pub(crate) struct Project {
    pub(crate) id: String,
    pub(crate) name: String,
}

/// The login modes `auth/login` understands.
pub(crate) const MODE_STANDARD: i64 = 1;
pub(crate) const MODE_ANONYMOUS: i64 = 8;
pub(crate) const MODE_LDAP: i64 = 16;
pub(crate) const MODE_API_KEY: i64 = 4096;

#[derive(Debug)]
pub(crate) struct Directory {
    users: Vec<User>,
    /// API key → index into `users`.
    api_keys: Vec<(String, usize)>,
    /// Index of the guest user, `None` when anonymous login is switched off.
    guest: Option<usize>,
    projects: Vec<Project>,
}

impl Directory {
    pub(crate) fn new(
        mut users: Vec<User>,
        api_keys: Vec<(String, String)>,
        anonymous: bool,
        projects: Vec<Project>,
    ) -> Self {
        let api_keys = api_keys
            .into_iter()
            .map(|(key, username)| {
                let found = users
                    .iter()
                    .position(|u| u.kind == UserKind::Standard && u.username == username)
                    .or_else(|| users.iter().position(|u| u.username == username));
                let index = found.unwrap_or_else(|| {
                    users.push(User::new(UserKind::Standard, &username, None, &username));
                    users.len() - 1
                });
                (key, index)
            })
            .collect();
        let guest = anonymous.then(|| {
            users.push(User::new(UserKind::Guest, "Guest", None, "Guest"));
            users.len() - 1
        });
        Self {
            users,
            api_keys,
            guest,
            projects,
        }
    }

    pub(crate) fn user(&self, index: usize) -> &User {
        &self.users[index]
    }

    /// Checks credentials for one `loginMode` and returns the user's index.
    pub(crate) fn authenticate(
        &self,
        mode: i64,
        username: Option<&str>,
        password: Option<&str>,
    ) -> Result<usize, ApiError> {
        let by_password = |kind: UserKind| {
            let username = username.ok_or_else(ApiError::login_failed)?;
            // An absent password is an empty one: `administrator` ships with "" on fresh servers.
            let password = password.unwrap_or("");
            self.users
                .iter()
                .position(|u| {
                    u.kind == kind
                        && u.username == username
                        && u.password.as_deref() == Some(password)
                })
                .ok_or_else(ApiError::login_failed)
        };
        match mode {
            MODE_STANDARD => by_password(UserKind::Standard),
            MODE_LDAP => by_password(UserKind::Ldap),
            MODE_API_KEY => {
                let key = username.ok_or_else(ApiError::login_failed)?;
                self.api_keys
                    .iter()
                    .find(|(known, _)| known == key)
                    .map(|(_, index)| *index)
                    .ok_or_else(ApiError::login_failed)
            }
            MODE_ANONYMOUS => self.guest.ok_or_else(|| {
                ApiError::login_mode_disabled(
                    "The server is not configured to support anonymous authentication",
                )
            }),
            other => Err(ApiError::login_mode_disabled(format!(
                "The server is not configured to support login mode {other}"
            ))),
        }
    }

    /// Every user, API-key-only users and the guest included.
    pub(crate) fn users(&self) -> &[User] {
        &self.users
    }

    pub(crate) fn projects(&self) -> &[Project] {
        &self.projects
    }

    /// Looks a project up by id; ids are hex, so case is ignored.
    pub(crate) fn project_by_id(&self, id: &str) -> Option<&Project> {
        self.projects.iter().find(|p| p.id.eq_ignore_ascii_case(id))
    }

    /// Looks a project up by exact name first, then by id. With duplicate names the first
    /// project added wins.
    pub(crate) fn project_by_name_or_id(&self, name: &str) -> Option<&Project> {
        self.projects
            .iter()
            .find(|p| p.name == name)
            .or_else(|| self.project_by_id(name))
    }
}
