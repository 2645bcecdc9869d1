//! Round trips through a real `moto_server` (an AWS emulator): the secrets and parameters are
//! created with the SDK itself, then read through our sources.
//!
//! The endpoint comes from `MSTR_REST_MOTO_ENDPOINT` (see `.ci/moto.sh`). Without it the
//! tests pass after one line on stderr, unless `MSTR_REST_REQUIRE_MOTO=1` makes them fail.
//! Every test uses its own secret and parameter names, so they run in parallel and against
//! a server that outlives them.

use std::io::Write;
use std::sync::Once;
use std::time::{SystemTime, UNIX_EPOCH};

use aws_config::SdkConfig;
use aws_sdk_secretsmanager::config::{
    BehaviorVersion, Credentials, Region, SharedCredentialsProvider,
};
use aws_sdk_secretsmanager::primitives::Blob;
use aws_sdk_ssm::types::ParameterType;
use mstr_rest_emulator::Emulator;
use mstr_rest_session::{
    AuthenticatedSession, CredentialError, CredentialErrorKind, ExposeSecret, SecretSource,
};
use serde_json::json;

use mstr_rest_aws::{ParameterStoreValues, SecretsManagerSecret, parameter_store, secrets_manager};

/// The moto endpoint, or `None` when the test should return early.
///
/// # Panics
/// When the endpoint is unset and `MSTR_REST_REQUIRE_MOTO=1`.
fn moto_endpoint() -> Option<String> {
    if let Ok(endpoint) = std::env::var("MSTR_REST_MOTO_ENDPOINT")
        && !endpoint.is_empty()
    {
        return Some(endpoint);
    }
    assert!(
        std::env::var("MSTR_REST_REQUIRE_MOTO").as_deref() != Ok("1"),
        "moto is required (MSTR_REST_REQUIRE_MOTO=1) but MSTR_REST_MOTO_ENDPOINT is not set: \
         run `eval \"$(bash .ci/moto.sh start)\"` first"
    );
    static SKIPPED: Once = Once::new();
    SKIPPED.call_once(|| {
        // straight to stderr, past the test harness's capture, once per run
        let _ = writeln!(
            std::io::stderr().lock(),
            "moto tests skipped: set MSTR_REST_MOTO_ENDPOINT (see .ci/moto.sh)"
        );
    });
    None
}

/// Explicit configuration for moto: any static keys, a region, the endpoint.
fn moto_config(endpoint: Option<&str>) -> SdkConfig {
    let mut builder = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "AKID", "SECRET", None, None, "moto",
        )));
    if let Some(endpoint) = endpoint {
        builder = builder.endpoint_url(endpoint);
    }
    builder.build()
}

fn unique(test: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("mstr-rest-aws-test/{test}/{}-{nanos}", std::process::id())
}

async fn resolve(source: &impl SecretSource) -> Result<String, CredentialError> {
    source.resolve().await.map(|s| s.expose_secret().to_owned())
}

struct Moto {
    endpoint: String,
    config: SdkConfig,
    sm: aws_sdk_secretsmanager::Client,
    ssm: aws_sdk_ssm::Client,
}

impl Moto {
    fn connect() -> Option<Moto> {
        let endpoint = moto_endpoint()?;
        let config = moto_config(Some(&endpoint));
        Some(Moto {
            sm: aws_sdk_secretsmanager::Client::new(&config),
            ssm: aws_sdk_ssm::Client::new(&config),
            endpoint,
            config,
        })
    }

    async fn create_secret(&self, name: &str, text: &str) {
        self.sm
            .create_secret()
            .name(name)
            .secret_string(text)
            .send()
            .await
            .expect("CreateSecret on moto");
    }

    async fn rotate_secret(&self, name: &str, text: &str) {
        self.sm
            .put_secret_value()
            .secret_id(name)
            .secret_string(text)
            .send()
            .await
            .expect("PutSecretValue on moto");
    }

    async fn put_parameter(&self, name: &str, value: &str) {
        self.ssm
            .put_parameter()
            .name(name)
            .value(value)
            .r#type(ParameterType::SecureString)
            .overwrite(true)
            .send()
            .await
            .expect("PutParameter on moto");
    }
}

#[tokio::test]
async fn moto_secrets_manager_secret_reads_every_field() {
    let Some(moto) = Moto::connect() else { return };
    let name = unique("fields");
    moto.create_secret(
        &name,
        &json!({"base_url": "https://env.example.com/MicroStrategyLibrary/api/", "username": "dave", "password": "s3cr3t", "port": 8443}).to_string(),
    )
    .await;

    let secret = SecretsManagerSecret::new(&name).with_sdk_config(moto.config.clone());
    let fields = ["base_url", "username", "password", "port"].map(|name| secret.field(name));
    let [base_url, username, password, port] = &fields;
    let (base_url, username, password, port) = tokio::join!(
        resolve(base_url),
        resolve(username),
        resolve(password),
        resolve(port),
    );
    assert_eq!(
        base_url.unwrap(),
        "https://env.example.com/MicroStrategyLibrary/api/"
    );
    assert_eq!(username.unwrap(), "dave");
    assert_eq!(password.unwrap(), "s3cr3t");
    assert_eq!(port.unwrap(), "8443");
    let err = resolve(&secret.field("missing")).await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
}

#[tokio::test]
async fn moto_secrets_manager_reads_the_value_a_key_and_a_version_stage() {
    let Some(moto) = Moto::connect() else { return };
    let name = unique("versions");
    moto.create_secret(&name, r#"{"password":"first"}"#).await;
    moto.rotate_secret(&name, r#"{"password":"second"}"#).await;

    let client = moto.sm.clone();
    let whole = secrets_manager(&name).with_client(client.clone());
    assert_eq!(resolve(&whole).await.unwrap(), r#"{"password":"second"}"#);
    let current = secrets_manager(&name)
        .key("password")
        .with_client(client.clone());
    assert_eq!(resolve(&current).await.unwrap(), "second");
    let previous = secrets_manager(&name)
        .key("password")
        .version_stage("AWSPREVIOUS")
        .with_client(client);
    assert_eq!(resolve(&previous).await.unwrap(), "first");
}

#[tokio::test]
async fn moto_secret_binary_is_decoded_as_utf8_or_invalid() {
    let Some(moto) = Moto::connect() else { return };
    let text = unique("binary-utf8");
    let bytes = unique("binary-bytes");
    for (name, value) in [
        (&text, b"binary-password".to_vec()),
        (&bytes, vec![0xff, 0xfe, 0x00, 0x41]),
    ] {
        moto.sm
            .create_secret()
            .name(name)
            .secret_binary(Blob::new(value))
            .send()
            .await
            .expect("CreateSecret with SecretBinary on moto");
    }

    let client = moto.sm.clone();
    assert_eq!(
        resolve(&secrets_manager(&text).with_client(client.clone()))
            .await
            .unwrap(),
        "binary-password"
    );
    let err = resolve(&secrets_manager(&bytes).with_client(client))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), CredentialErrorKind::Invalid, "{err:?}");
}

#[tokio::test]
async fn moto_missing_secret_and_parameter_are_not_found() {
    let Some(moto) = Moto::connect() else { return };
    let secret = secrets_manager(unique("missing")).with_sdk_config(moto.config.clone());
    let err = resolve(&secret).await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");

    let param = parameter_store(format!("/{}", unique("missing"))).with_client(moto.ssm.clone());
    let err = resolve(&param).await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
}

#[tokio::test]
async fn moto_parameter_store_decrypts_secure_strings() {
    let Some(moto) = Moto::connect() else { return };
    let name = format!("/{}", unique("secure"));
    moto.put_parameter(&name, "p@ss-word").await;

    let single = parameter_store(&name).with_client(moto.ssm.clone());
    assert_eq!(resolve(&single).await.unwrap(), "p@ss-word");
    // an SdkConfig without an endpoint, and the endpoint set on the source
    let group = ParameterStoreValues::new()
        .with_sdk_config(moto_config(None))
        .endpoint(&moto.endpoint);
    assert_eq!(resolve(&group.parameter(&name)).await.unwrap(), "p@ss-word");
}

#[tokio::test]
async fn moto_invalidate_rereads_rotated_values() {
    let Some(moto) = Moto::connect() else { return };
    let secret_name = unique("rotation");
    let param_name = format!("/{}", unique("rotation"));
    moto.create_secret(&secret_name, r#"{"password":"before"}"#)
        .await;
    moto.put_parameter(&param_name, "before").await;

    let secret = SecretsManagerSecret::new(&secret_name)
        .with_sdk_config(moto_config(None))
        .endpoint(&moto.endpoint);
    let password = secret.field("password");
    let params = ParameterStoreValues::new().with_client(moto.ssm.clone());
    let param = params.parameter(&param_name);
    assert_eq!(resolve(&password).await.unwrap(), "before");
    assert_eq!(resolve(&param).await.unwrap(), "before");

    moto.rotate_secret(&secret_name, r#"{"password":"after"}"#)
        .await;
    moto.put_parameter(&param_name, "after").await;
    // cached until invalidated
    assert_eq!(resolve(&password).await.unwrap(), "before");
    assert_eq!(resolve(&param).await.unwrap(), "before");
    password.invalidate();
    param.invalidate();
    assert_eq!(resolve(&password).await.unwrap(), "after");
    assert_eq!(resolve(&param).await.unwrap(), "after");
}

#[tokio::test]
async fn moto_authenticated_session_logs_in_from_a_secret() {
    let Some(moto) = Moto::connect() else { return };
    let emulator = Emulator::start().await;
    let name = unique("login");
    moto.create_secret(
        &name,
        &json!({"base_url": emulator.base_url(), "username": "dave", "password": "hellodave"})
            .to_string(),
    )
    .await;

    let secret = SecretsManagerSecret::new(&name).with_sdk_config(moto.config.clone());
    let session = AuthenticatedSession::builder()
        .base_url(secret.field("base_url"))
        .username(secret.field("username"))
        .password(secret.field("password"))
        .connect()
        .await
        .unwrap();
    session.close().await.unwrap();
    assert_eq!(emulator.logins(), 1);
    assert_eq!(emulator.logouts(), 1);
}
