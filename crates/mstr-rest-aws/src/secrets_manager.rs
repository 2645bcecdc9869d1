//! AWS Secrets Manager: a value per resolution, or a JSON secret fetched once for its fields.

use std::borrow::Cow;
use std::fmt;

use aws_config::SdkConfig;
use aws_sdk_secretsmanager::operation::get_secret_value::GetSecretValueOutput;
use mstr_rest_session::{CredentialError, JsonSecret, SecretSource, SecretString};
use tracing::Instrument;

use crate::client::LazyClient;
use crate::error;

type Client = aws_sdk_secretsmanager::Client;

/// A Secrets Manager secret read with one `GetSecretValue` **on each resolution**: the
/// whole value, or one field of its JSON with [`key`](SecretsManager::key). See
/// [`secrets_manager`].
///
/// Nothing happens when it is made: the SDK client is built (and the ambient AWS
/// configuration loaded) on the first resolution, once, and shared by clones.
#[derive(Clone)]
pub struct SecretsManager {
    id: String,
    key: Option<Cow<'static, str>>,
    version_stage: Option<String>,
    version_id: Option<String>,
    client: LazyClient<Client>,
}

/// The secret `id` (a name or an ARN) from AWS Secrets Manager, read on each resolution
/// (the Python library's `secrets_manager(secret_id)`).
///
/// A `SecretString` is used as it is; a `SecretBinary` must be UTF-8. With
/// [`key`](SecretsManager::key) the value is parsed as a JSON object and one field taken
/// (`secrets_manager(secret_id, key="username")`). To read several fields of one secret
/// with a single call, use [`SecretsManagerSecret`].
///
/// ```
/// use mstr_rest_aws::secrets_manager;
/// let password = secrets_manager("prod/mstr").key("password").region("eu-west-1");
/// assert_eq!(password.to_string(), "aws-secretsmanager:prod/mstr#password");
/// ```
pub fn secrets_manager(id: impl Into<String>) -> SecretsManager {
    SecretsManager {
        id: id.into(),
        key: None,
        version_stage: None,
        version_id: None,
        client: LazyClient::new(),
    }
}

impl SecretsManager {
    /// Takes the field `key` of the secret's JSON object instead of the whole value.
    pub fn key(mut self, key: impl Into<Cow<'static, str>>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// Reads the version with this staging label (`AWSCURRENT` when neither a stage nor a
    /// version id is set; `AWSPREVIOUS` for the one before a rotation).
    pub fn version_stage(mut self, stage: impl Into<String>) -> Self {
        self.version_stage = Some(stage.into());
        self
    }

    /// Reads the version with this id.
    pub fn version_id(mut self, id: impl Into<String>) -> Self {
        self.version_id = Some(id.into());
        self
    }

    /// Uses this region instead of the configured one (on any client, injected ones too).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.client = self.client.region(region.into());
        self
    }

    /// Sends the requests to `url` instead of the regional AWS endpoint (a VPC endpoint, a
    /// local emulator such as `moto_server`).
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.client = self.client.endpoint(url.into());
        self
    }

    /// Builds the client from this AWS configuration instead of loading the ambient one.
    pub fn with_sdk_config(mut self, config: SdkConfig) -> Self {
        self.client = self.client.sdk_config(config);
        self
    }

    /// Uses this client (its credentials, region, retries and endpoint) instead of building
    /// one. [`region`](Self::region) and [`endpoint`](Self::endpoint) still apply.
    pub fn with_client(mut self, client: aws_sdk_secretsmanager::Client) -> Self {
        self.client = self.client.client(client);
        self
    }

    /// `aws-secretsmanager:{id}`, without the key.
    fn describe_secret(&self) -> Cow<'static, str> {
        Cow::Owned(format!("aws-secretsmanager:{}", self.id))
    }

    /// One `GetSecretValue`: the secret's text.
    async fn fetch(&self, source: Cow<'static, str>) -> Result<SecretString, CredentialError> {
        let client = self.client.get().await;
        let output = client
            .get_secret_value()
            .secret_id(&self.id)
            .set_version_stage(self.version_stage.clone())
            .set_version_id(self.version_id.clone())
            .send()
            .instrument(tracing::debug_span!(
                "mstr_rest_aws.get_secret_value",
                source = %source
            ))
            .await
            .map_err(|e| error::get_secret_value(source.clone(), e))?;
        secret_text(output, source)
    }

    /// True once the SDK client was built: tests prove laziness with it (feature `test-util`).
    #[cfg(feature = "test-util")]
    pub fn client_is_built(&self) -> bool {
        self.client.is_built()
    }
}

/// The value of a `GetSecretValue` answer: `SecretString`, or `SecretBinary` as UTF-8.
fn secret_text(
    mut output: GetSecretValueOutput,
    source: Cow<'static, str>,
) -> Result<SecretString, CredentialError> {
    match (output.secret_string.take(), output.secret_binary.take()) {
        (Some(text), _) => Ok(SecretString::from(text)),
        (None, Some(binary)) => String::from_utf8(binary.into_inner())
            .map(SecretString::from)
            .map_err(|e| {
                // the Utf8Error only: the FromUtf8Error would carry the bytes into Debug
                CredentialError::invalid(source, "the secret is binary and not UTF-8")
                    .with_source(e.utf8_error())
            }),
        (None, None) => Err(CredentialError::not_found(
            source,
            "the secret version holds no value (neither SecretString nor SecretBinary)",
        )),
    }
}

impl SecretSource for SecretsManager {
    async fn resolve(&self) -> Result<SecretString, CredentialError> {
        let Some(key) = &self.key else {
            return self.fetch(self.describe()).await;
        };
        let text = self.fetch(self.describe()).await?;
        // a JsonSecret over the text just fetched: its parsing and field errors, no cache
        JsonSecret::new(Fetched {
            text,
            name: self.describe_secret(),
        })
        .field(key.clone())
        .resolve()
        .await
    }

    fn describe(&self) -> Cow<'static, str> {
        match &self.key {
            Some(key) => Cow::Owned(format!("{}#{key}", self.describe_secret())),
            None => self.describe_secret(),
        }
    }
}

/// A value already fetched, named after the secret it came from.
struct Fetched {
    text: SecretString,
    name: Cow<'static, str>,
}

impl SecretSource for Fetched {
    async fn resolve(&self) -> Result<SecretString, CredentialError> {
        Ok(self.text.clone())
    }

    fn describe(&self) -> Cow<'static, str> {
        self.name.clone()
    }
}

impl fmt::Debug for SecretsManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretsManager")
            .field("id", &self.id)
            .field("key", &self.key)
            .field("version_stage", &self.version_stage)
            .field("version_id", &self.version_id)
            .field("client", &self.client)
            .finish()
    }
}

impl fmt::Display for SecretsManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

/// A Secrets Manager secret holding a JSON object (`{"base_url": …, "username": …,
/// "password": …}`), fetched with **one** `GetSecretValue` for all its
/// [`field`](JsonSecret::field)s and clones, even when they resolve concurrently (the Python
/// library's `SecretsManagerSecret`).
///
/// Unlike the Python class it does not cache for ever: [`invalidate`](JsonSecret::invalidate) (or
/// a field's [`SecretSource::invalidate`], which a session calls when a login is refused)
/// forgets the value, so a rotated secret is read again.
///
/// ```
/// use mstr_rest_aws::SecretsManagerSecret;
/// let secret = SecretsManagerSecret::new("prod/mstr").region("eu-west-1");
/// let password = secret.field("password");
/// assert_eq!(password.to_string(), "aws-secretsmanager:prod/mstr#password");
/// ```
#[derive(Clone)]
pub struct SecretsManagerSecret {
    fetch: SecretsManager,
    json: JsonSecret,
}

impl SecretsManagerSecret {
    /// The secret `id` (a name or an ARN). Nothing is fetched until a field resolves.
    pub fn new(id: impl Into<String>) -> SecretsManagerSecret {
        SecretsManagerSecret::from_fetch(secrets_manager(id))
    }

    fn from_fetch(fetch: SecretsManager) -> SecretsManagerSecret {
        SecretsManagerSecret {
            json: JsonSecret::new(fetch.clone()),
            fetch,
        }
    }

    /// Reads the version with this staging label (default `AWSCURRENT`).
    pub fn version_stage(self, stage: impl Into<String>) -> Self {
        SecretsManagerSecret::from_fetch(self.fetch.version_stage(stage))
    }

    /// Reads the version with this id.
    pub fn version_id(self, id: impl Into<String>) -> Self {
        SecretsManagerSecret::from_fetch(self.fetch.version_id(id))
    }

    /// Uses this region instead of the configured one.
    pub fn region(self, region: impl Into<String>) -> Self {
        SecretsManagerSecret::from_fetch(self.fetch.region(region))
    }

    /// Sends the request to `url` instead of the regional AWS endpoint.
    pub fn endpoint(self, url: impl Into<String>) -> Self {
        SecretsManagerSecret::from_fetch(self.fetch.endpoint(url))
    }

    /// Builds the client from this AWS configuration instead of loading the ambient one.
    pub fn with_sdk_config(self, config: SdkConfig) -> Self {
        SecretsManagerSecret::from_fetch(self.fetch.with_sdk_config(config))
    }

    /// Uses this client instead of building one.
    pub fn with_client(self, client: aws_sdk_secretsmanager::Client) -> Self {
        SecretsManagerSecret::from_fetch(self.fetch.with_client(client))
    }

    /// True once the SDK client was built: tests prove laziness with it (feature `test-util`).
    #[cfg(feature = "test-util")]
    pub fn client_is_built(&self) -> bool {
        self.fetch.client_is_built()
    }
}

/// A `SecretsManagerSecret` is a [`JsonSecret`]: [`field`](JsonSecret::field),
/// [`invalidate`](JsonSecret::invalidate) and [`describe`](JsonSecret::describe) are its.
impl std::ops::Deref for SecretsManagerSecret {
    type Target = JsonSecret;

    fn deref(&self) -> &JsonSecret {
        &self.json
    }
}

impl fmt::Debug for SecretsManagerSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretsManagerSecret")
            .field("id", &self.fetch.id)
            .field("version_stage", &self.fetch.version_stage)
            .field("version_id", &self.fetch.version_id)
            .field("client", &self.fetch.client)
            .finish()
    }
}

impl fmt::Display for SecretsManagerSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}
