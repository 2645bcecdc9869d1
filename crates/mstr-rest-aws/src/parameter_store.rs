//! AWS Systems Manager Parameter Store: a parameter per resolution, or cached per name.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use aws_config::SdkConfig;
use mstr_rest_session::{CredentialError, SecretSource, SecretString, SingleFlight};
use tracing::Instrument;

use crate::client::LazyClient;
use crate::error;

type Client = aws_sdk_ssm::Client;

/// One `GetParameter` with `WithDecryption: true`: the parameter's (decrypted) value.
async fn get_parameter(
    client: &LazyClient<Client>,
    name: &str,
    source: Cow<'static, str>,
) -> Result<SecretString, CredentialError> {
    let client = client.get().await;
    let output = client
        .get_parameter()
        .name(name)
        .with_decryption(true)
        .send()
        .instrument(tracing::debug_span!(
            "mstr_rest_aws.get_parameter",
            source = %source
        ))
        .await
        .map_err(|e| error::get_parameter(source.clone(), e))?;
    match output.parameter.and_then(|p| p.value) {
        Some(value) => Ok(SecretString::from(value)),
        None => Err(CredentialError::not_found(
            source,
            "the GetParameter answer holds no parameter value",
        )),
    }
}

fn describe_parameter(name: &str) -> Cow<'static, str> {
    Cow::Owned(format!("aws-ssm:{name}"))
}

/// An SSM parameter read with one `GetParameter` (decrypted) **on each resolution**. See
/// [`parameter_store`].
#[derive(Clone)]
pub struct ParameterStore {
    name: String,
    client: LazyClient<Client>,
}

/// The SSM parameter `name` (its full path, e.g. `/app/mstr/password`), read with
/// `WithDecryption: true` on each resolution, so `SecureString`s arrive decrypted (the
/// Python library's `parameter_store(name)`). To read each of several parameters once, use
/// [`ParameterStoreValues`].
///
/// ```
/// use mstr_rest_aws::parameter_store;
/// let password = parameter_store("/app/mstr/password").region("eu-west-1");
/// assert_eq!(password.to_string(), "aws-ssm:/app/mstr/password");
/// ```
pub fn parameter_store(name: impl Into<String>) -> ParameterStore {
    ParameterStore {
        name: name.into(),
        client: LazyClient::new(),
    }
}

impl ParameterStore {
    /// Uses this region instead of the configured one (on any client, injected ones too).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.client = self.client.region(region.into());
        self
    }

    /// Sends the request to `url` instead of the regional AWS endpoint.
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.client = self.client.endpoint(url.into());
        self
    }

    /// Builds the client from this AWS configuration instead of loading the ambient one.
    pub fn with_sdk_config(mut self, config: SdkConfig) -> Self {
        self.client = self.client.sdk_config(config);
        self
    }

    /// Uses this client instead of building one. [`region`](Self::region) and
    /// [`endpoint`](Self::endpoint) still apply.
    pub fn with_client(mut self, client: aws_sdk_ssm::Client) -> Self {
        self.client = self.client.client(client);
        self
    }

    /// True once the SDK client was built: tests prove laziness with it (feature `test-util`).
    #[cfg(feature = "test-util")]
    pub fn client_is_built(&self) -> bool {
        self.client.is_built()
    }
}

impl SecretSource for ParameterStore {
    async fn resolve(&self) -> Result<SecretString, CredentialError> {
        get_parameter(&self.client, &self.name, self.describe()).await
    }

    fn describe(&self) -> Cow<'static, str> {
        describe_parameter(&self.name)
    }
}

impl fmt::Debug for ParameterStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParameterStore")
            .field("name", &self.name)
            .field("client", &self.client)
            .finish()
    }
}

impl fmt::Display for ParameterStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

/// The slot of one parameter.
type Slot = Arc<SingleFlight<SecretString>>;

struct Group {
    client: LazyClient<Client>,
    cache: Mutex<HashMap<String, Slot>>,
}

impl Group {
    fn new(client: LazyClient<Client>) -> Arc<Group> {
        Arc::new(Group {
            client,
            cache: Mutex::new(HashMap::new()),
        })
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, HashMap<String, Slot>> {
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A group of SSM parameters sharing one client, each fetched **once** and then served
/// from memory — per name, across every [`parameter`](Self::parameter) source and clone
/// of the group (the Python library's `ParameterStoreValues`).
///
/// Unlike the Python class it does not cache for ever: a parameter's
/// [`SecretSource::invalidate`] (which a session calls when a login is refused) forgets
/// that parameter, and [`invalidate`](Self::invalidate) forgets them all.
///
/// Configure the group (region, endpoint, client) before taking parameters from it: each
/// setter starts a new group with an empty cache.
///
/// ```
/// use mstr_rest_aws::ParameterStoreValues;
/// let params = ParameterStoreValues::new().region("eu-west-1");
/// let user = params.parameter("/app/mstr/username");
/// let password = params.parameter("/app/mstr/password");
/// assert_eq!(password.to_string(), "aws-ssm:/app/mstr/password");
/// # let _ = user;
/// ```
#[derive(Clone)]
pub struct ParameterStoreValues {
    group: Arc<Group>,
}

impl ParameterStoreValues {
    /// A group using the ambient AWS configuration, loaded on the first resolution.
    pub fn new() -> ParameterStoreValues {
        ParameterStoreValues {
            group: Group::new(LazyClient::new()),
        }
    }

    fn with(&self, client: LazyClient<Client>) -> ParameterStoreValues {
        ParameterStoreValues {
            group: Group::new(client),
        }
    }

    /// The source of the parameter `name`, cached in this group.
    pub fn parameter(&self, name: impl Into<String>) -> CachedParameter {
        CachedParameter {
            group: self.group.clone(),
            name: name.into(),
        }
    }

    /// Forgets every cached value of the group.
    pub fn invalidate(&self) {
        self.group.cache().clear();
    }

    /// Uses this region instead of the configured one.
    pub fn region(self, region: impl Into<String>) -> Self {
        self.with(self.group.client.region(region.into()))
    }

    /// Sends the requests to `url` instead of the regional AWS endpoint.
    pub fn endpoint(self, url: impl Into<String>) -> Self {
        self.with(self.group.client.endpoint(url.into()))
    }

    /// Builds the client from this AWS configuration instead of loading the ambient one.
    pub fn with_sdk_config(self, config: SdkConfig) -> Self {
        self.with(self.group.client.sdk_config(config))
    }

    /// Uses this client instead of building one.
    pub fn with_client(self, client: aws_sdk_ssm::Client) -> Self {
        self.with(self.group.client.client(client))
    }

    /// True once the SDK client was built: tests prove laziness with it (feature `test-util`).
    #[cfg(feature = "test-util")]
    pub fn client_is_built(&self) -> bool {
        self.group.client.is_built()
    }
}

impl Default for ParameterStoreValues {
    fn default() -> Self {
        ParameterStoreValues::new()
    }
}

impl fmt::Debug for ParameterStoreValues {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut cached: Vec<String> = self
            .group
            .cache()
            .iter()
            .filter(|(_, slot)| slot.is_filled())
            .map(|(name, _)| name.clone())
            .collect();
        cached.sort();
        f.debug_struct("ParameterStoreValues")
            .field("client", &self.group.client)
            .field("cached", &cached)
            .finish()
    }
}

/// One parameter of a [`ParameterStoreValues`] group: fetched once, then cached until
/// invalidated.
#[derive(Clone)]
pub struct CachedParameter {
    group: Arc<Group>,
    name: String,
}

impl SecretSource for CachedParameter {
    async fn resolve(&self) -> Result<SecretString, CredentialError> {
        let slot = self
            .group
            .cache()
            .entry(self.name.clone())
            .or_default()
            .clone();
        slot.get_or_fetch(
            |_| true,
            || get_parameter(&self.group.client, &self.name, self.describe()),
        )
        .await
    }

    fn describe(&self) -> Cow<'static, str> {
        describe_parameter(&self.name)
    }

    /// Forgets this parameter's value. A fetch already in flight finishes into the
    /// forgotten slot; the next resolution fetches afresh.
    fn invalidate(&self) {
        self.group.cache().remove(&self.name);
    }
}

impl fmt::Debug for CachedParameter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cached = self
            .group
            .cache()
            .get(&self.name)
            .is_some_and(|slot| slot.is_filled());
        f.debug_struct("CachedParameter")
            .field("name", &self.name)
            .field("cached", &cached)
            .finish()
    }
}

impl fmt::Display for CachedParameter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}
