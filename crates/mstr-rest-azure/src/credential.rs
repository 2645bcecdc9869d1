//! The ambient credential: `DefaultAzureCredential`'s chain, rebuilt on `azure_identity` 1.x.

use std::borrow::Cow;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use async_trait::async_trait;
use azure_core::credentials::{AccessToken, Secret, TokenCredential, TokenRequestOptions};
use azure_core::error::{Error, ErrorKind};
use azure_core::http::ClientOptions;
use azure_identity::{
    AzureCliCredential, AzureDeveloperCliCredential, ClientAssertionCredentialOptions,
    ClientSecretCredential, ClientSecretCredentialOptions, ManagedIdentityCredential,
    ManagedIdentityCredentialOptions, UserAssignedId, WorkloadIdentityCredential,
    WorkloadIdentityCredentialOptions,
};
use tracing::Instrument;

const AZURE_TENANT_ID: &str = "AZURE_TENANT_ID";
const AZURE_CLIENT_ID: &str = "AZURE_CLIENT_ID";
const AZURE_CLIENT_SECRET: &str = "AZURE_CLIENT_SECRET";
const AZURE_FEDERATED_TOKEN_FILE: &str = "AZURE_FEDERATED_TOKEN_FILE";

/// How long the first managed-identity request may wait for the VM metadata endpoint (IMDS)
/// before the chain moves on. Off Azure the address does not answer at all, and the SDK's
/// own retries would wait more than a minute before the Azure CLI got its turn.
pub(crate) const IMDS_PROBE_TIMEOUT: Duration = Duration::from_secs(3);

/// The names of the ambient sources, in the order they are tried.
pub(crate) const AMBIENT_SOURCES: [&str; 5] = [
    "environment",
    "workload-identity",
    "managed-identity",
    "azure-cli",
    "azure-developer-cli",
];

type Lookup = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// A chain of Azure credentials tried in order; the first that returns a token is
/// remembered and used alone from then on. It replaces `DefaultAzureCredential`, which
/// `azure_identity` 1.x no longer has.
///
/// [`AmbientCredential::new`] tries, like the Python library's `DefaultAzureCredential`:
///
/// 1. `environment`: a service principal's client secret from `AZURE_TENANT_ID`,
///    `AZURE_CLIENT_ID` and `AZURE_CLIENT_SECRET`;
/// 2. `workload-identity`: Kubernetes workload identity (`AZURE_FEDERATED_TOKEN_FILE`,
///    `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`);
/// 3. `managed-identity`: the managed identity of the App Service, Function or VM
///    (user-assigned when `AZURE_CLIENT_ID` is set). On a VM the first request may take
///    at most 3 seconds, so that a machine outside Azure soon moves on;
/// 4. `azure-cli`: the account of `az login`;
/// 5. `azure-developer-cli`: the account of `azd auth login`.
///
/// Building it does nothing: no variable is read, no credential is made and nothing is
/// probed until the first token is requested. Each source is then made when its turn
/// comes; one whose variables are not set fails at once, without a request.
///
/// ```
/// use std::sync::Arc;
/// use mstr_rest_azure::{AmbientCredential, TokenCredential};
/// let credential: Arc<dyn TokenCredential> = Arc::new(AmbientCredential::new());
/// assert_eq!(
///     AmbientCredential::new().source_names().collect::<Vec<_>>(),
///     ["environment", "workload-identity", "managed-identity", "azure-cli", "azure-developer-cli"],
/// );
/// # let _ = credential;
/// ```
pub struct AmbientCredential {
    sources: Vec<(Cow<'static, str>, Arc<dyn TokenCredential>)>,
    chosen: OnceLock<usize>,
}

impl AmbientCredential {
    /// The ambient chain, reading the process environment.
    pub fn new() -> AmbientCredential {
        AmbientCredential::from_env(|name| std::env::var(name).ok(), ClientOptions::default())
    }

    /// The ambient chain, reading variables through `lookup` instead of the process
    /// environment, and sending its token requests with `client_options` (a transport of
    /// your own, say): for tests (feature `test-util`). The Azure SDK itself still reads a
    /// few variables of its own (`AZURE_AUTHORITY_HOST`, the managed-identity endpoints)
    /// from the process.
    #[cfg(feature = "test-util")]
    #[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
    pub fn with_env(
        lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
        client_options: ClientOptions,
    ) -> AmbientCredential {
        AmbientCredential::from_env(lookup, client_options)
    }

    fn from_env(
        lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
        client_options: ClientOptions,
    ) -> AmbientCredential {
        let env = Arc::new(AmbientEnv {
            lookup: Arc::new(lookup),
            client_options,
        });
        let lazy =
            |name: &'static str, make: MakeFn| -> (Cow<'static, str>, Arc<dyn TokenCredential>) {
                (
                    Cow::Borrowed(name),
                    Arc::new(Lazy {
                        name,
                        env: env.clone(),
                        make,
                        made: mstr_rest_session::SingleFlight::new(),
                    }),
                )
            };
        let [environment, workload, managed, cli, azd] = AMBIENT_SOURCES;
        AmbientCredential {
            sources: vec![
                lazy(environment, environment_credential),
                lazy(workload, workload_identity_credential),
                lazy(managed, managed_identity_credential),
                lazy(cli, azure_cli_credential),
                lazy(azd, azure_developer_cli_credential),
            ],
            chosen: OnceLock::new(),
        }
    }

    /// A chain of your own credentials, tried in the given order (tests inject fakes this
    /// way). Each is named for logs and errors.
    pub fn from_sources<N: Into<Cow<'static, str>>>(
        sources: Vec<(N, Arc<dyn TokenCredential>)>,
    ) -> AmbientCredential {
        AmbientCredential {
            sources: sources.into_iter().map(|(n, c)| (n.into(), c)).collect(),
            chosen: OnceLock::new(),
        }
    }

    /// The names of the sources, in the order they are tried.
    pub fn source_names(&self) -> impl Iterator<Item = &str> {
        self.sources.iter().map(|(name, _)| &**name)
    }

    /// The source that gave the first token, which is now used alone; `None` before.
    pub fn chosen(&self) -> Option<&str> {
        self.chosen.get().map(|&i| &*self.sources[i].0)
    }
}

impl Default for AmbientCredential {
    fn default() -> Self {
        AmbientCredential::new()
    }
}

impl fmt::Debug for AmbientCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AmbientCredential")
            .field("sources", &self.source_names().collect::<Vec<_>>())
            .field("chosen", &self.chosen())
            .finish()
    }
}

#[async_trait]
impl TokenCredential for AmbientCredential {
    async fn get_token(
        &self,
        scopes: &[&str],
        options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        if let Some(&i) = self.chosen.get() {
            return self.sources[i].1.get_token(scopes, options).await;
        }
        let mut failures = Vec::with_capacity(self.sources.len());
        for (i, (name, credential)) in self.sources.iter().enumerate() {
            let span = tracing::debug_span!("mstr_rest.azure_credential", source = %name);
            match credential
                .get_token(scopes, options.clone())
                .instrument(span)
                .await
            {
                Ok(token) => {
                    // a concurrent first request may have chosen already; either is fine
                    let _ = self.chosen.set(i);
                    tracing::debug!(source = %name, "Azure credential source chosen");
                    return Ok(token);
                }
                Err(e) => {
                    tracing::debug!(source = %name, error = %e, "Azure credential source failed");
                    failures.push(format!("{name}: {}", one_line(&e.to_string())));
                }
            }
        }
        Err(Error::with_message(
            ErrorKind::Credential,
            if failures.is_empty() {
                "the Azure credential chain has no sources".to_owned()
            } else {
                format!(
                    "no Azure credential source could get a token ({})",
                    failures.join("; ")
                )
            },
        ))
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What the ambient sources read: the environment and the HTTP options of token requests.
pub(crate) struct AmbientEnv {
    lookup: Lookup,
    client_options: ClientOptions,
}

impl AmbientEnv {
    /// A variable's value; empty counts as unset.
    fn var(&self, name: &str) -> Option<String> {
        (self.lookup)(name).filter(|v| !v.is_empty())
    }

    /// All of `names`, or an error naming the missing ones.
    fn vars<const N: usize>(&self, names: [&str; N]) -> azure_core::Result<[String; N]> {
        let values = names.map(|n| self.var(n));
        let missing: Vec<&str> = names
            .iter()
            .zip(&values)
            .filter(|(_, v)| v.is_none())
            .map(|(n, _)| *n)
            .collect();
        if missing.is_empty() {
            Ok(values.map(Option::unwrap_or_default))
        } else {
            Err(not_configured(format!(
                "not configured: {} not set",
                missing.join(", ")
            )))
        }
    }
}

fn not_configured(message: String) -> Error {
    Error::with_message(ErrorKind::Credential, message)
}

type MakeFn = fn(&AmbientEnv) -> azure_core::Result<Arc<dyn TokenCredential>>;

/// A source made on its first use (from the environment as it is then), and kept once made.
struct Lazy {
    name: &'static str,
    env: Arc<AmbientEnv>,
    make: MakeFn,
    made: mstr_rest_session::SingleFlight<Arc<dyn TokenCredential>>,
}

impl fmt::Debug for Lazy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Lazy({})", self.name)
    }
}

#[async_trait]
impl TokenCredential for Lazy {
    async fn get_token(
        &self,
        scopes: &[&str],
        options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        let credential = self
            .made
            .get_or_fetch(|_| true, || async { (self.make)(&self.env) })
            .await?;
        credential.get_token(scopes, options).await
    }
}

pub(crate) fn environment_credential(
    env: &AmbientEnv,
) -> azure_core::Result<Arc<dyn TokenCredential>> {
    let [tenant, client, secret] =
        env.vars([AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET])?;
    let credential = ClientSecretCredential::new(
        &tenant,
        client,
        Secret::new(secret),
        Some(ClientSecretCredentialOptions {
            client_options: env.client_options.clone(),
        }),
    )?;
    Ok(credential)
}

pub(crate) fn workload_identity_credential(
    env: &AmbientEnv,
) -> azure_core::Result<Arc<dyn TokenCredential>> {
    let [file, tenant, client] =
        env.vars([AZURE_FEDERATED_TOKEN_FILE, AZURE_TENANT_ID, AZURE_CLIENT_ID])?;
    let credential = WorkloadIdentityCredential::new(Some(WorkloadIdentityCredentialOptions {
        credential_options: ClientAssertionCredentialOptions {
            client_options: env.client_options.clone(),
        },
        client_id: Some(client),
        tenant_id: Some(tenant),
        token_file_path: Some(file.into()),
    }))?;
    Ok(credential)
}

fn managed_identity_credential(env: &AmbientEnv) -> azure_core::Result<Arc<dyn TokenCredential>> {
    let credential = ManagedIdentityCredential::new(Some(ManagedIdentityCredentialOptions {
        user_assigned_id: env.var(AZURE_CLIENT_ID).map(UserAssignedId::ClientId),
        client_options: env.client_options.clone(),
    }))?;
    // App Service and the other hosts announce their endpoint in the environment; the VM
    // metadata endpoint is only there when we are on an Azure VM.
    let on_imds = ["IDENTITY_ENDPOINT", "MSI_ENDPOINT"]
        .iter()
        .all(|name| std::env::var_os(name).is_none());
    if on_imds {
        Ok(Arc::new(ImdsProbe {
            inner: credential,
            answered: AtomicBool::new(false),
        }))
    } else {
        Ok(credential)
    }
}

fn azure_cli_credential(_: &AmbientEnv) -> azure_core::Result<Arc<dyn TokenCredential>> {
    let credential = AzureCliCredential::new(None)?;
    Ok(credential)
}

fn azure_developer_cli_credential(_: &AmbientEnv) -> azure_core::Result<Arc<dyn TokenCredential>> {
    let credential = AzureDeveloperCliCredential::new(None)?;
    Ok(credential)
}

/// Bounds the first managed-identity request on a VM by [`IMDS_PROBE_TIMEOUT`]; once the
/// endpoint has answered, requests take as long as the SDK's retries allow.
#[derive(Debug)]
struct ImdsProbe {
    inner: Arc<dyn TokenCredential>,
    answered: AtomicBool,
}

#[async_trait]
impl TokenCredential for ImdsProbe {
    async fn get_token(
        &self,
        scopes: &[&str],
        options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        if self.answered.load(Ordering::Relaxed) {
            return self.inner.get_token(scopes, options).await;
        }
        match tokio::time::timeout(IMDS_PROBE_TIMEOUT, self.inner.get_token(scopes, options)).await
        {
            Ok(result) => {
                if result.is_ok() {
                    self.answered.store(true, Ordering::Relaxed);
                }
                result
            }
            Err(_) => Err(Error::with_message(
                ErrorKind::Credential,
                format!(
                    "the VM metadata endpoint did not answer within {} s (not an Azure VM?)",
                    IMDS_PROBE_TIMEOUT.as_secs()
                ),
            )),
        }
    }
}

#[cfg(test)]
pub(crate) fn test_env(
    lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    client_options: ClientOptions,
) -> AmbientEnv {
    AmbientEnv {
        lookup: Arc::new(lookup),
        client_options,
    }
}
