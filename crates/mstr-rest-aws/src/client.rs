//! The SDK client behind a source group: built on first use, once, and shared by clones.

use std::fmt;
use std::sync::Arc;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use mstr_rest_session::SingleFlight;

/// The two SDK clients this crate uses, built the same way.
pub(crate) trait ServiceClient: Clone + Send + Sync + 'static {
    /// The service's name in messages.
    const SERVICE: &'static str;

    fn from_sdk_config(config: &SdkConfig, region: Option<&str>, endpoint: Option<&str>) -> Self;

    /// `self` with the region and endpoint replaced (a new client over the same config).
    fn with_overrides(&self, region: Option<&str>, endpoint: Option<&str>) -> Self;
}

macro_rules! service_client {
    ($sdk:ident, $service:literal) => {
        impl ServiceClient for $sdk::Client {
            const SERVICE: &'static str = $service;

            fn from_sdk_config(
                config: &SdkConfig,
                region: Option<&str>,
                endpoint: Option<&str>,
            ) -> Self {
                let mut builder = $sdk::config::Builder::from(config);
                apply(&mut builder, region, endpoint);
                $sdk::Client::from_conf(builder.build())
            }

            fn with_overrides(&self, region: Option<&str>, endpoint: Option<&str>) -> Self {
                let mut builder = self.config().to_builder();
                apply(&mut builder, region, endpoint);
                $sdk::Client::from_conf(builder.build())
            }
        }

        impl Overrides for $sdk::config::Builder {
            fn set_region_to(&mut self, region: &str) {
                self.set_region(Some(Region::new(region.to_owned())));
            }

            fn set_endpoint_to(&mut self, endpoint: &str) {
                self.set_endpoint_url(Some(endpoint.to_owned()));
            }
        }
    };
}

trait Overrides {
    fn set_region_to(&mut self, region: &str);
    fn set_endpoint_to(&mut self, endpoint: &str);
}

fn apply(builder: &mut impl Overrides, region: Option<&str>, endpoint: Option<&str>) {
    if let Some(region) = region {
        builder.set_region_to(region);
    }
    if let Some(endpoint) = endpoint {
        builder.set_endpoint_to(endpoint);
    }
}

service_client!(aws_sdk_secretsmanager, "Secrets Manager");
service_client!(aws_sdk_ssm, "SSM Parameter Store");

/// How to get the client, and the cell that holds it once built.
///
/// Cloning shares the cell (one client per source group); every setter starts a new cell,
/// so a source configured differently never reuses a client built for another setting.
pub(crate) struct LazyClient<C> {
    settings: Settings<C>,
    cell: Arc<SingleFlight<C>>,
}

#[derive(Clone)]
struct Settings<C> {
    region: Option<String>,
    endpoint: Option<String>,
    sdk_config: Option<SdkConfig>,
    client: Option<C>,
}

impl<C: ServiceClient> LazyClient<C> {
    pub(crate) fn new() -> LazyClient<C> {
        LazyClient {
            settings: Settings {
                region: None,
                endpoint: None,
                sdk_config: None,
                client: None,
            },
            cell: Arc::new(SingleFlight::new()),
        }
    }

    fn with(&self, change: impl FnOnce(&mut Settings<C>)) -> LazyClient<C> {
        let mut settings = self.settings.clone();
        change(&mut settings);
        LazyClient {
            settings,
            cell: Arc::new(SingleFlight::new()),
        }
    }

    pub(crate) fn region(&self, region: String) -> LazyClient<C> {
        self.with(|s| s.region = Some(region))
    }

    pub(crate) fn endpoint(&self, endpoint: String) -> LazyClient<C> {
        self.with(|s| s.endpoint = Some(endpoint))
    }

    pub(crate) fn sdk_config(&self, config: SdkConfig) -> LazyClient<C> {
        self.with(|s| {
            s.sdk_config = Some(config);
            s.client = None;
        })
    }

    pub(crate) fn client(&self, client: C) -> LazyClient<C> {
        self.with(|s| {
            s.client = Some(client);
            s.sdk_config = None;
        })
    }

    /// The client: built (and, without injection, the ambient AWS config loaded) on the
    /// first call; later calls and clones get the same one.
    pub(crate) async fn get(&self) -> C {
        let built = self
            .cell
            .get_or_fetch(
                |_| true,
                || async { Ok::<_, std::convert::Infallible>(self.build().await) },
            )
            .await;
        match built {
            Ok(client) => client,
            Err(never) => match never {},
        }
    }

    async fn build(&self) -> C {
        let Settings {
            region,
            endpoint,
            sdk_config,
            client,
        } = &self.settings;
        let (region, endpoint) = (region.as_deref(), endpoint.as_deref());
        match (client, sdk_config) {
            (Some(client), _) if region.is_none() && endpoint.is_none() => client.clone(),
            (Some(client), _) => client.with_overrides(region, endpoint),
            (None, Some(config)) => C::from_sdk_config(config, region, endpoint),
            (None, None) => {
                tracing::debug!(
                    service = C::SERVICE,
                    "loading the ambient AWS configuration"
                );
                let mut loader = aws_config::defaults(BehaviorVersion::latest());
                if let Some(region) = region {
                    loader = loader.region(Region::new(region.to_owned()));
                }
                if let Some(endpoint) = endpoint {
                    loader = loader.endpoint_url(endpoint);
                }
                C::from_sdk_config(&loader.load().await, None, None)
            }
        }
    }

    /// True once the client was built (tests prove laziness with it).
    #[cfg(feature = "test-util")]
    pub(crate) fn is_built(&self) -> bool {
        self.cell.is_filled()
    }
}

impl<C: Clone> Clone for LazyClient<C> {
    fn clone(&self) -> Self {
        LazyClient {
            settings: self.settings.clone(),
            cell: self.cell.clone(),
        }
    }
}

impl<C> fmt::Debug for LazyClient<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Settings {
            region,
            endpoint,
            sdk_config,
            client,
        } = &self.settings;
        let config = match (client, sdk_config) {
            (Some(_), _) => "injected client",
            (None, Some(_)) => "injected SdkConfig",
            (None, None) => "ambient",
        };
        f.debug_struct("AwsClient")
            .field("config", &config)
            .field("region", region)
            .field("endpoint", endpoint)
            .field("built", &self.cell.is_filled())
            .finish()
    }
}
