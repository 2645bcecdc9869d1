//! [`Credentials`]: how to log in, and the exact JSON bodies each mode sends.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

/// A login mode's number, as sent in `loginMode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LoginMode {
    /// 1: a metadata user with password.
    Standard,
    /// 8: guest access, no credentials.
    Anonymous,
    /// 16: a directory (LDAP) user with password.
    Ldap,
    /// 4096: an API token ("trusted" login) sent as the user name.
    ApiKey,
    /// -1: delegation with an identity token (`auth/delegate`).
    Delegated,
}

impl LoginMode {
    /// The number the server expects.
    pub fn code(self) -> i32 {
        match self {
            LoginMode::Standard => 1,
            LoginMode::Anonymous => 8,
            LoginMode::Ldap => 16,
            LoginMode::ApiKey => 4096,
            LoginMode::Delegated => -1,
        }
    }
}

/// How to log in. Secrets are held as [`SecretString`]: `Debug` never shows them.
///
/// ```
/// use mstr_rest_session::Credentials;
/// let creds = Credentials::standard("dave", "hellodave");
/// assert_eq!(format!("{creds:?}"), r#"Standard { username: "dave", password: "** redacted **" }"#);
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub enum Credentials {
    /// Standard login (mode 1): `{"username","password","loginMode":1,"applicationType":8}`.
    Standard {
        /// The user name.
        username: String,
        /// The password (may be empty).
        password: SecretString,
    },
    /// LDAP login (mode 16): the same body with `"loginMode":16`.
    Ldap {
        /// The directory user name.
        username: String,
        /// The password.
        password: SecretString,
    },
    /// API key (mode 4096): `{"username":KEY,"loginMode":4096,"applicationType":8}`.
    ApiKey(SecretString),
    /// Anonymous (mode 8): `{"loginMode":8,"applicationType":8}`.
    Anonymous,
    /// Delegation: `POST auth/delegate` with `{"loginMode":-1,"identityToken":T}`.
    IdentityToken(SecretString),
}

impl Credentials {
    /// A user name and password.
    pub fn standard(username: impl Into<String>, password: impl Into<SecretString>) -> Self {
        Credentials::Standard {
            username: username.into(),
            password: password.into(),
        }
    }

    /// An LDAP user name and password.
    pub fn ldap(username: impl Into<String>, password: impl Into<SecretString>) -> Self {
        Credentials::Ldap {
            username: username.into(),
            password: password.into(),
        }
    }

    /// An API key (trusted authentication).
    pub fn api_key(key: impl Into<SecretString>) -> Self {
        Credentials::ApiKey(key.into())
    }

    /// Guest access.
    pub fn anonymous() -> Self {
        Credentials::Anonymous
    }

    /// An identity token from another session ([`Session::create_identity_token`](crate::Session::create_identity_token)).
    pub fn identity_token(token: impl Into<SecretString>) -> Self {
        Credentials::IdentityToken(token.into())
    }

    /// The login mode these credentials use.
    pub fn mode(&self) -> LoginMode {
        match self {
            Credentials::Standard { .. } => LoginMode::Standard,
            Credentials::Ldap { .. } => LoginMode::Ldap,
            Credentials::ApiKey(_) => LoginMode::ApiKey,
            Credentials::Anonymous => LoginMode::Anonymous,
            Credentials::IdentityToken(_) => LoginMode::Delegated,
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // every arm spelled out: a new variant cannot skip redaction
        match self {
            Credentials::Standard { username, .. } => f
                .debug_struct("Standard")
                .field("username", username)
                .field("password", &"** redacted **")
                .finish(),
            Credentials::Ldap { username, .. } => f
                .debug_struct("Ldap")
                .field("username", username)
                .field("password", &"** redacted **")
                .finish(),
            Credentials::ApiKey(_) => f.write_str("ApiKey(** redacted **)"),
            Credentials::Anonymous => f.write_str("Anonymous"),
            Credentials::IdentityToken(_) => f.write_str("IdentityToken(** redacted **)"),
        }
    }
}

/// The `auth/login` body. Field order is the wire order the Python library uses.
#[derive(Serialize)]
pub(crate) struct LoginBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    username: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    password: Option<&'a str>,
    #[serde(rename = "loginMode")]
    login_mode: i32,
    #[serde(rename = "applicationType")]
    application_type: i32,
}

/// The `auth/delegate` body.
#[derive(Serialize)]
pub(crate) struct DelegateBody<'a> {
    #[serde(rename = "loginMode")]
    login_mode: i32,
    #[serde(rename = "identityToken")]
    identity_token: &'a str,
}

impl<'a> DelegateBody<'a> {
    pub(crate) fn new(token: &'a SecretString) -> Self {
        DelegateBody {
            login_mode: LoginMode::Delegated.code(),
            identity_token: token.expose_secret(),
        }
    }
}

impl<'a> LoginBody<'a> {
    /// `None` for identity tokens, which use `auth/delegate` instead.
    pub(crate) fn new(creds: &'a Credentials, application_type: i32) -> Option<Self> {
        let (username, password) = match creds {
            Credentials::Standard { username, password }
            | Credentials::Ldap { username, password } => {
                (Some(username.as_str()), Some(password.expose_secret()))
            }
            Credentials::ApiKey(key) => (Some(key.expose_secret()), None),
            Credentials::Anonymous => (None, None),
            Credentials::IdentityToken(_) => return None,
        };
        Some(LoginBody {
            username,
            password,
            login_mode: creds.mode().code(),
            application_type,
        })
    }
}
