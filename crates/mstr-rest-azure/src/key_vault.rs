//! Key Vault secrets as sources.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use azure_core::credentials::TokenCredential;
use azure_core::error::ErrorKind;
use azure_security_keyvault_secrets::models::SecretClientGetSecretOptions;
use azure_security_keyvault_secrets::{SecretClient, SecretClientOptions};
use mstr_rest_session::SingleFlight;
use mstr_rest_session::{
    CredentialError, CredentialErrorKind, JsonSecret, SecretSource, SecretString,
};

use crate::AmbientCredential;

/// The secret `name` of the Key Vault at `vault_url`, read on **each** resolution (the
/// Python library's `key_vault(url, name)`). For several fields of one JSON secret, use
/// [`KeyVaultSecret`], which reads once.
///
/// ```
/// use mstr_rest_azure::key_vault;
/// let password = key_vault("https://my-vault.vault.azure.net/", "mstr-password");
/// assert_eq!(password.to_string(), "azure-keyvault:https://my-vault.vault.azure.net/#mstr-password");
/// ```
pub fn key_vault(vault_url: impl Into<String>, name: impl Into<String>) -> KeyVault {
    KeyVault::new(vault_url, name)
}

/// One secret of a Key Vault, read on each resolution. See [`key_vault`].
///
/// Lazy: nothing is built, read or sent until the first [`resolve`](SecretSource::resolve).
/// Then one `SecretClient` is made, with [`AmbientCredential`] unless
/// [`with_credential`](KeyVault::with_credential) gave another, and shared by this source's
/// clones and by the [`secret`](KeyVault::secret)s derived from it.
#[derive(Clone)]
pub struct KeyVault {
    name: String,
    version: Option<String>,
    vault: Arc<Vault>,
}

/// What the sources of one vault share: its configuration and the client built from it.
struct Vault {
    url: String,
    credential: Option<Arc<dyn TokenCredential>>,
    options: Option<SecretClientOptions>,
    client: SingleFlight<Arc<SecretClient>>,
}

impl Vault {
    fn configured(
        url: String,
        credential: Option<Arc<dyn TokenCredential>>,
        options: Option<SecretClientOptions>,
    ) -> Arc<Vault> {
        Arc::new(Vault {
            url,
            credential,
            options,
            client: SingleFlight::new(),
        })
    }
}

impl KeyVault {
    /// The secret `name` of the vault at `vault_url` (`https://my-vault.vault.azure.net/`).
    pub fn new(vault_url: impl Into<String>, name: impl Into<String>) -> KeyVault {
        KeyVault {
            name: name.into(),
            version: None,
            vault: Vault::configured(vault_url.into(), None, None),
        }
    }

    /// Reads this version of the secret instead of the current one.
    #[must_use]
    pub fn version(mut self, version: impl Into<String>) -> KeyVault {
        self.version = Some(version.into());
        self
    }

    /// Authenticates with `credential` (any `azure_identity` credential, or your own)
    /// instead of the [`AmbientCredential`] chain.
    #[must_use]
    pub fn with_credential(mut self, credential: Arc<dyn TokenCredential>) -> KeyVault {
        self.vault = Vault::configured(
            self.vault.url.clone(),
            Some(credential),
            self.vault.options.clone(),
        );
        self
    }

    /// Builds the client with these options: API version, retries, a transport of your own
    /// (`client_options.transport`), ….
    #[must_use]
    pub fn with_client_options(mut self, options: SecretClientOptions) -> KeyVault {
        self.vault = Vault::configured(
            self.vault.url.clone(),
            self.vault.credential.clone(),
            Some(options),
        );
        self
    }

    /// Another secret of the same vault, sharing this source's client, credential and
    /// token.
    pub fn secret(&self, name: impl Into<String>) -> KeyVault {
        KeyVault {
            name: name.into(),
            version: None,
            vault: self.vault.clone(),
        }
    }

    /// The vault URL, as given.
    pub fn vault_url(&self) -> &str {
        &self.vault.url
    }

    /// The secret's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    fn ambient(&self) -> bool {
        self.vault.credential.is_none()
    }

    async fn client(&self) -> Result<Arc<SecretClient>, CredentialError> {
        self.vault
            .client
            .get_or_fetch(|_| true, || async {
                let credential = self
                    .vault
                    .credential
                    .clone()
                    .unwrap_or_else(|| Arc::new(AmbientCredential::new()));
                SecretClient::new(&self.vault.url, credential, self.vault.options.clone())
                    .map(Arc::new)
                    .map_err(
                    |e| {
                        CredentialError::new(
                            CredentialErrorKind::Other,
                            self.describe(),
                            "the Key Vault URL is not usable; give it as https://<vault-name>.vault.azure.net/",
                        )
                        .with_source(e)
                    },
                )
            })
            .await
    }

    /// Turns an SDK error into a [`CredentialError`] of the right kind, saying what to do.
    pub(crate) fn error(&self, e: azure_core::Error) -> CredentialError {
        let (kind, message): (CredentialErrorKind, Cow<'static, str>) = match e.kind() {
            ErrorKind::HttpResponse { status, .. } => match u16::from(*status) {
                404 => (
                    CredentialErrorKind::NotFound,
                    format!(
                        "the vault has no secret {:?}{}; check the vault URL and the secret name",
                        self.name,
                        self.version
                            .as_ref()
                            .map(|v| format!(" in version {v:?}"))
                            .unwrap_or_default()
                    )
                    .into(),
                ),
                401 | 403 => (
                    CredentialErrorKind::AccessDenied,
                    format!(
                        "the identity may not read secret {:?}; grant it the \"Key Vault Secrets User\" role on the vault (or a Get secret access policy)",
                        self.name
                    )
                    .into(),
                ),
                429 => (
                    CredentialErrorKind::Throttled,
                    "Key Vault is throttling requests; try again later".into(),
                ),
                status => (
                    CredentialErrorKind::Other,
                    format!("Key Vault answered HTTP {status}").into(),
                ),
            },
            ErrorKind::Credential if self.ambient() => (
                CredentialErrorKind::Other,
                "no Azure credential was found; tried, in order: environment (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET), workload identity (AZURE_FEDERATED_TOKEN_FILE), managed identity, Azure CLI (`az login`), Azure Developer CLI (`azd auth login`)".into(),
            ),
            ErrorKind::Credential => (
                CredentialErrorKind::Other,
                "the credential given with `with_credential` could not get a token".into(),
            ),
            ErrorKind::Connection | ErrorKind::Io => (
                CredentialErrorKind::Other,
                "Key Vault could not be reached; check the vault URL and the network".into(),
            ),
            ErrorKind::DataConversion | ErrorKind::Other => (
                CredentialErrorKind::Other,
                "the request to Key Vault failed".into(),
            ),
        };
        CredentialError::new(kind, self.describe(), message).with_source(e)
    }
}

impl SecretSource for KeyVault {
    async fn resolve(&self) -> Result<SecretString, CredentialError> {
        let client = self.client().await?;
        let options = SecretClientGetSecretOptions {
            secret_version: self.version.clone(),
            ..Default::default()
        };
        let response = client
            .get_secret(&self.name, Some(options))
            .await
            .map_err(|e| self.error(e))?;
        // The decoding error is left out on purpose: serde's messages can quote the body,
        // and the body holds the secret.
        let secret = response.into_model().map_err(|_| {
            CredentialError::invalid(self.describe(), "Key Vault's answer is not a secret")
        })?;
        match secret.value {
            Some(value) => Ok(SecretString::from(value)),
            None => Err(CredentialError::invalid(
                self.describe(),
                "the secret has no value",
            )),
        }
    }

    fn describe(&self) -> Cow<'static, str> {
        let url = &self.vault.url;
        let slash = if url.ends_with('/') { "" } else { "/" };
        Cow::Owned(match &self.version {
            Some(version) => format!("azure-keyvault:{url}{slash}#{}/{version}", self.name),
            None => format!("azure-keyvault:{url}{slash}#{}", self.name),
        })
    }
}

impl fmt::Debug for KeyVault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyVault")
            .field("vault_url", &self.vault.url)
            .field("name", &self.name)
            .field("version", &self.version)
            .field("credential", &self.vault.credential)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for KeyVault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

/// A Key Vault secret holding a JSON object (`{"base_url": …, "username": …, "password": …}`),
/// read **once** for all its [`field`](JsonSecret::field)s (the Python library's
/// `KeyVaultSecret(url, name)`). [`invalidate`](JsonSecret::invalidate) forgets the
/// value, so a rotated secret is read again.
///
/// ```
/// use mstr_rest_azure::KeyVaultSecret;
/// let secret = KeyVaultSecret::new("https://my-vault.vault.azure.net/", "mstr-connection");
/// let password = secret.field("password");
/// assert_eq!(password.to_string(), "azure-keyvault:https://my-vault.vault.azure.net/#mstr-connection#password");
/// ```
#[derive(Clone)]
pub struct KeyVaultSecret {
    source: KeyVault,
    json: JsonSecret,
}

impl KeyVaultSecret {
    /// The JSON secret `name` of the vault at `vault_url`.
    pub fn new(vault_url: impl Into<String>, name: impl Into<String>) -> KeyVaultSecret {
        KeyVaultSecret::from(KeyVault::new(vault_url, name))
    }

    /// Reads this version of the secret. See [`KeyVault::version`].
    #[must_use]
    pub fn version(self, version: impl Into<String>) -> KeyVaultSecret {
        KeyVaultSecret::from(self.source.version(version))
    }

    /// Authenticates with `credential`. See [`KeyVault::with_credential`].
    #[must_use]
    pub fn with_credential(self, credential: Arc<dyn TokenCredential>) -> KeyVaultSecret {
        KeyVaultSecret::from(self.source.with_credential(credential))
    }

    /// Builds the client with these options. See [`KeyVault::with_client_options`].
    #[must_use]
    pub fn with_client_options(self, options: SecretClientOptions) -> KeyVaultSecret {
        KeyVaultSecret::from(self.source.with_client_options(options))
    }
}

impl From<KeyVault> for KeyVaultSecret {
    /// Reads the JSON object of `source` once for all its fields.
    fn from(source: KeyVault) -> KeyVaultSecret {
        KeyVaultSecret {
            json: JsonSecret::new(source.clone()),
            source,
        }
    }
}

/// A `KeyVaultSecret` is a [`JsonSecret`]: [`field`](JsonSecret::field),
/// [`invalidate`](JsonSecret::invalidate) and [`describe`](JsonSecret::describe) are its.
impl std::ops::Deref for KeyVaultSecret {
    type Target = JsonSecret;

    fn deref(&self) -> &JsonSecret {
        &self.json
    }
}

impl fmt::Debug for KeyVaultSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyVaultSecret({})", self.describe())
    }
}
