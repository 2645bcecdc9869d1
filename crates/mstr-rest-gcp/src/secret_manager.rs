//! Secret Manager secrets as sources: `GET …/versions/{v}:access` over reqwest.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use gcp_auth::TokenProvider;
use mstr_rest_session::SingleFlight;
use mstr_rest_session::{
    CredentialError, CredentialErrorKind, JsonSecret, SecretSource, SecretString,
};
use reqwest::{StatusCode, Url};
use serde::Deserialize;

use crate::crc32c::crc32c;

/// Where Secret Manager is, unless [`SecretManager::endpoint`] says otherwise.
pub const DEFAULT_ENDPOINT: &str = "https://secretmanager.googleapis.com";

/// The OAuth scope the access token is asked for.
const SCOPE: &str = "https://www.googleapis.com/auth/cloud-platform";

/// The default client's limit on a whole request.
const TIMEOUT: Duration = Duration::from_secs(30);

/// The secret `name` of project `project`, read on **each** resolution (the Python
/// library's `secret_manager(project, name)`); the `latest` version unless
/// [`version`](SecretManager::version) names another. For several fields of one JSON
/// secret, use [`SecretManagerSecret`], which reads once.
///
/// ```
/// use mstr_rest_gcp::secret_manager;
/// let password = secret_manager("my-project", "mstr-password");
/// assert_eq!(password.to_string(), "gcp-secretmanager:projects/my-project/secrets/mstr-password/versions/latest");
/// ```
pub fn secret_manager(project: impl Into<String>, name: impl Into<String>) -> SecretManager {
    SecretManager::new(project, name)
}

/// One secret of Secret Manager, read on each resolution. See [`secret_manager`].
///
/// Lazy: no credential is looked for and nothing is sent until the first
/// [`resolve`](SecretSource::resolve). Then Application Default Credentials are found
/// (unless [`with_token_provider`](SecretManager::with_token_provider) gave a provider) and
/// shared, with the HTTP client, by this source's clones and the
/// [`secret`](SecretManager::secret)s derived from it.
#[derive(Clone)]
pub struct SecretManager {
    name: String,
    version: String,
    group: Arc<Group>,
}

/// What the sources of one group share: the project, configuration and what is built from it.
struct Group {
    project: String,
    endpoint: String,
    tokens: Option<Arc<dyn TokenProvider>>,
    http: Option<reqwest::Client>,
    built: SingleFlight<Arc<Built>>,
}

struct Built {
    tokens: Arc<dyn TokenProvider>,
    http: reqwest::Client,
}

impl Group {
    fn new(project: String) -> Group {
        Group {
            project,
            endpoint: DEFAULT_ENDPOINT.to_owned(),
            tokens: None,
            http: None,
            built: SingleFlight::new(),
        }
    }

    /// A fresh group with this configuration and nothing built.
    fn reconfigured(&self, change: impl FnOnce(&mut Group)) -> Arc<Group> {
        let mut group = Group {
            project: self.project.clone(),
            endpoint: self.endpoint.clone(),
            tokens: self.tokens.clone(),
            http: self.http.clone(),
            built: SingleFlight::new(),
        };
        change(&mut group);
        Arc::new(group)
    }
}

impl SecretManager {
    /// The secret `name` of project `project` (its ID or number), version `latest`.
    pub fn new(project: impl Into<String>, name: impl Into<String>) -> SecretManager {
        SecretManager {
            name: name.into(),
            version: "latest".to_owned(),
            group: Arc::new(Group::new(project.into())),
        }
    }

    /// Reads this version (a number such as `"3"`, or an alias) instead of `latest`.
    #[must_use]
    pub fn version(mut self, version: impl Into<String>) -> SecretManager {
        self.version = version.into();
        self
    }

    /// Gets access tokens from `provider` instead of Application Default Credentials.
    #[must_use]
    pub fn with_token_provider(mut self, provider: Arc<dyn TokenProvider>) -> SecretManager {
        self.group = self.group.reconfigured(|g| g.tokens = Some(provider));
        self
    }

    /// Sends requests to `url` instead of [`DEFAULT_ENDPOINT`] (a regional endpoint such
    /// as `https://secretmanager.europe-west1.rep.googleapis.com`, a proxy, a test server).
    #[must_use]
    pub fn endpoint(mut self, url: impl Into<String>) -> SecretManager {
        let url = url.into();
        self.group = self.group.reconfigured(|g| g.endpoint = url);
        self
    }

    /// Sends requests with `client` (proxy, CA, timeouts of your own) instead of a default
    /// client with a 30-second timeout.
    #[must_use]
    pub fn with_http_client(mut self, client: reqwest::Client) -> SecretManager {
        self.group = self.group.reconfigured(|g| g.http = Some(client));
        self
    }

    /// Another secret of the same project, sharing this source's credentials and client.
    pub fn secret(&self, name: impl Into<String>) -> SecretManager {
        SecretManager {
            name: name.into(),
            version: "latest".to_owned(),
            group: self.group.clone(),
        }
    }

    /// The project.
    pub fn project(&self) -> &str {
        &self.group.project
    }

    /// The secret's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The resource name, `projects/{project}/secrets/{name}/versions/{version}`.
    fn resource(&self) -> String {
        format!(
            "projects/{}/secrets/{}/versions/{}",
            self.group.project, self.name, self.version
        )
    }

    fn error(
        &self,
        kind: CredentialErrorKind,
        message: impl Into<Cow<'static, str>>,
    ) -> CredentialError {
        CredentialError::new(kind, self.describe(), message)
    }

    async fn built(&self) -> Result<Arc<Built>, CredentialError> {
        self.group
            .built
            .get_or_fetch(|_| true, || async {
                let http = match &self.group.http {
                    Some(client) => client.clone(),
                    None => reqwest::Client::builder().timeout(TIMEOUT).build().map_err(|e| {
                        self.error(CredentialErrorKind::Other, "the HTTP client could not be built")
                            .with_source(e)
                    })?,
                };
                let tokens = match &self.group.tokens {
                    Some(provider) => provider.clone(),
                    None => gcp_auth::provider().await.map_err(|e| {
                        self.error(
                            CredentialErrorKind::Other,
                            "no Google Application Default Credentials were found; tried, in order: \
                             GOOGLE_APPLICATION_CREDENTIALS (a service account key file), the \
                             `gcloud auth application-default login` file, the metadata server \
                             (on Google Cloud), the gcloud CLI (`gcloud auth login`)",
                        )
                        .with_source(e)
                    })?,
                };
                Ok(Arc::new(Built { tokens, http }))
            })
            .await
    }

    fn url(&self) -> Result<Url, CredentialError> {
        let bad_endpoint = || {
            self.error(
                CredentialErrorKind::Other,
                format!(
                    "the endpoint {:?} is not an http(s) URL",
                    self.group.endpoint
                ),
            )
        };
        let mut url =
            Url::parse(&self.group.endpoint).map_err(|e| bad_endpoint().with_source(e))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(bad_endpoint());
        }
        url.set_query(None);
        url.path_segments_mut()
            .map_err(|()| bad_endpoint())?
            .pop_if_empty()
            .extend([
                "v1",
                "projects",
                &self.group.project,
                "secrets",
                &self.name,
                "versions",
                &format!("{}:access", self.version),
            ]);
        Ok(url)
    }

    /// Turns a refusal into a [`CredentialError`] of the right kind, saying what to do.
    fn status_error(&self, status: StatusCode, body: &[u8]) -> CredentialError {
        let (kind, message): (CredentialErrorKind, Cow<'static, str>) = match status.as_u16() {
            404 => (
                CredentialErrorKind::NotFound,
                "the secret or version does not exist; check the project, the secret name and the version"
                    .into(),
            ),
            401 | 403 => (
                CredentialErrorKind::AccessDenied,
                "the caller may not read the secret; grant it roles/secretmanager.secretAccessor \
                 on the secret (or the project)"
                    .into(),
            ),
            429 => (
                CredentialErrorKind::Throttled,
                "Secret Manager is throttling requests; try again later".into(),
            ),
            _ => (
                CredentialErrorKind::Other,
                format!("Secret Manager answered HTTP {status}").into(),
            ),
        };
        // Google's error body names the problem; it never holds the secret.
        let mut google = serde_json::from_slice::<GoogleErrorBody>(body)
            .map(|b| b.error)
            .unwrap_or_default();
        google.code = status.as_u16();
        self.error(kind, message).with_source(google)
    }

    async fn fetch(&self) -> Result<SecretString, CredentialError> {
        let built = self.built().await?;
        let url = self.url()?;
        let token = built.tokens.token(&[SCOPE]).await.map_err(|e| {
            self.error(
                CredentialErrorKind::Other,
                "could not get a Google access token",
            )
            .with_source(e)
        })?;
        let response = built
            .http
            .get(url)
            .bearer_auth(token.as_str())
            .send()
            .await
            .map_err(|e| {
                self.error(
                    CredentialErrorKind::Other,
                    "Secret Manager could not be reached; check the endpoint and the network",
                )
                .with_source(e.without_url())
            })?;
        let status = response.status();
        let body = response.bytes().await.map_err(|e| {
            self.error(
                CredentialErrorKind::Other,
                "Secret Manager's answer could not be read",
            )
            .with_source(e.without_url())
        })?;
        if !status.is_success() {
            return Err(self.status_error(status, &body));
        }
        self.decode(&body)
    }

    /// Decodes `{"name": …, "payload": {"data": "<base64>", "dataCrc32c": "<decimal>"}}`.
    fn decode(&self, body: &[u8]) -> Result<SecretString, CredentialError> {
        // serde's messages can quote the input, which holds the secret: report the place only
        let access: AccessResponse = serde_json::from_slice(body).map_err(|e| {
            self.error(
                CredentialErrorKind::Invalid,
                format!(
                    "Secret Manager's answer is not a secret payload (line {}, column {})",
                    e.line(),
                    e.column()
                ),
            )
        })?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(access.payload.data.as_bytes())
            .map_err(|_| {
                self.error(
                    CredentialErrorKind::Invalid,
                    "the payload is not valid base64",
                )
            })?;
        if let Some(expected) = access.payload.data_crc32c {
            let expected = expected.value().ok_or_else(|| {
                self.error(
                    CredentialErrorKind::Invalid,
                    "the payload's dataCrc32c is not a number",
                )
            })?;
            if u64::from(crc32c(&bytes)) != expected {
                return Err(self.error(
                    CredentialErrorKind::Invalid,
                    "payload corrupted in transit: its CRC32C does not match dataCrc32c",
                ));
            }
        }
        let text = String::from_utf8(bytes).map_err(|_| {
            self.error(
                CredentialErrorKind::Invalid,
                "the secret is binary and not UTF-8",
            )
        })?;
        Ok(SecretString::from(text))
    }
}

impl SecretSource for SecretManager {
    async fn resolve(&self) -> Result<SecretString, CredentialError> {
        self.fetch().await
    }

    fn describe(&self) -> Cow<'static, str> {
        Cow::Owned(format!("gcp-secretmanager:{}", self.resource()))
    }
}

impl fmt::Debug for SecretManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretManager")
            .field("resource", &self.resource())
            .field("endpoint", &self.group.endpoint)
            .field(
                "token_provider",
                &self.group.tokens.as_ref().map(|_| "injected"),
            )
            .finish_non_exhaustive()
    }
}

impl fmt::Display for SecretManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

#[derive(Deserialize)]
struct AccessResponse {
    payload: Payload,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Payload {
    #[serde(default)]
    data: String,
    data_crc32c: Option<Int64>,
}

/// Google's JSON writes int64 as a string; accept a number too.
#[derive(Deserialize)]
#[serde(untagged)]
enum Int64 {
    Text(String),
    Number(u64),
}

impl Int64 {
    fn value(&self) -> Option<u64> {
        match self {
            Int64::Text(text) => text.parse().ok(),
            Int64::Number(n) => Some(*n),
        }
    }
}

#[derive(Deserialize)]
struct GoogleErrorBody {
    error: GoogleError,
}

/// The error Google's APIs answer with, kept as the [`CredentialError`]'s source.
#[derive(Debug, Default, Deserialize)]
struct GoogleError {
    #[serde(default)]
    code: u16,
    #[serde(default)]
    status: String,
    #[serde(default)]
    message: String,
}

impl fmt::Display for GoogleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}", self.code)?;
        if !self.status.is_empty() {
            write!(f, " {}", self.status)?;
        }
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for GoogleError {}

/// A Secret Manager JSON secret (`{"base_url": …, "username": …, "password": …}`), read
/// **once** for all its [`field`](JsonSecret::field)s (the Python library's
/// `SecretManagerSecret(project, name)`). [`invalidate`](JsonSecret::invalidate)
/// forgets the value, so a rotated secret is read again.
///
/// ```
/// use mstr_rest_gcp::SecretManagerSecret;
/// let secret = SecretManagerSecret::new("my-project", "mstr-connection");
/// assert_eq!(
///     secret.field("password").to_string(),
///     "gcp-secretmanager:projects/my-project/secrets/mstr-connection/versions/latest#password",
/// );
/// ```
#[derive(Clone)]
pub struct SecretManagerSecret {
    source: SecretManager,
    json: JsonSecret,
}

impl SecretManagerSecret {
    /// The JSON secret `name` of project `project`, version `latest`.
    pub fn new(project: impl Into<String>, name: impl Into<String>) -> SecretManagerSecret {
        SecretManagerSecret::from(SecretManager::new(project, name))
    }

    /// Reads this version. See [`SecretManager::version`].
    #[must_use]
    pub fn version(self, version: impl Into<String>) -> SecretManagerSecret {
        SecretManagerSecret::from(self.source.version(version))
    }

    /// Gets tokens from `provider`. See [`SecretManager::with_token_provider`].
    #[must_use]
    pub fn with_token_provider(self, provider: Arc<dyn TokenProvider>) -> SecretManagerSecret {
        SecretManagerSecret::from(self.source.with_token_provider(provider))
    }

    /// Sends requests to `url`. See [`SecretManager::endpoint`].
    #[must_use]
    pub fn endpoint(self, url: impl Into<String>) -> SecretManagerSecret {
        SecretManagerSecret::from(self.source.endpoint(url))
    }

    /// Sends requests with `client`. See [`SecretManager::with_http_client`].
    #[must_use]
    pub fn with_http_client(self, client: reqwest::Client) -> SecretManagerSecret {
        SecretManagerSecret::from(self.source.with_http_client(client))
    }
}

impl From<SecretManager> for SecretManagerSecret {
    /// Reads the JSON object of `source` once for all its fields.
    fn from(source: SecretManager) -> SecretManagerSecret {
        SecretManagerSecret {
            json: JsonSecret::new(source.clone()),
            source,
        }
    }
}

/// A `SecretManagerSecret` is a [`JsonSecret`]: [`field`](JsonSecret::field),
/// [`invalidate`](JsonSecret::invalidate) and [`describe`](JsonSecret::describe) are its.
impl std::ops::Deref for SecretManagerSecret {
    type Target = JsonSecret;

    fn deref(&self) -> &JsonSecret {
        &self.json
    }
}

impl fmt::Debug for SecretManagerSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretManagerSecret({})", self.describe())
    }
}
