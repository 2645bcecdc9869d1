//! Unit tests against wiremock standing in for the AWS JSON 1.1 endpoints, and the emulator.
//!
//! Every client is configured explicitly (region, static keys, endpoint, no retries): no
//! test reads the environment, reaches AWS or probes IMDS.

use std::net::TcpListener;

use aws_config::SdkConfig;
use aws_sdk_secretsmanager::config::retry::RetryConfig;
use aws_sdk_secretsmanager::config::{
    BehaviorVersion, Credentials, Region, SharedCredentialsProvider,
};
use mstr_rest_emulator::Emulator;
use mstr_rest_session::{
    AuthenticatedSession, CredentialError, CredentialErrorKind, Error, ExposeSecret, SecretSource,
};
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockBuilder, MockServer, Request, ResponseTemplate};

use mstr_rest_aws::{ParameterStoreValues, SecretsManagerSecret, parameter_store, secrets_manager};

const AWS_JSON: &str = "application/x-amz-json-1.1";
const SECRET: &str = "hunter2-very-secret";

fn sm_client(endpoint: &str) -> aws_sdk_secretsmanager::Client {
    let config = aws_sdk_secretsmanager::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("AKID", "SECRET", None, None, "test"))
        .endpoint_url(endpoint)
        .retry_config(RetryConfig::disabled())
        .build();
    aws_sdk_secretsmanager::Client::from_conf(config)
}

fn ssm_client(endpoint: &str) -> aws_sdk_ssm::Client {
    let config = aws_sdk_ssm::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("AKID", "SECRET", None, None, "test"))
        .endpoint_url(endpoint)
        .retry_config(RetryConfig::disabled())
        .build();
    aws_sdk_ssm::Client::from_conf(config)
}

/// An `SdkConfig` as a user would pass to `with_sdk_config`, with no endpoint unless given.
fn sdk_config(endpoint: Option<&str>) -> SdkConfig {
    let mut builder = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "AKID", "SECRET", None, None, "test",
        )))
        .retry_config(RetryConfig::disabled());
    if let Some(endpoint) = endpoint {
        builder = builder.endpoint_url(endpoint);
    }
    builder.build()
}

/// A local address nothing listens on.
fn closed_endpoint() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

fn aws_json(status: u16, body: Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(serde_json::to_vec(&body).unwrap(), AWS_JSON)
}

fn aws_error(status: u16, code: &str) -> ResponseTemplate {
    aws_json(
        status,
        json!({"__type": code, "message": "refused by the test"}),
    )
}

fn get_secret_value(request: Value) -> MockBuilder {
    Mock::given(method("POST"))
        .and(path("/"))
        .and(header("x-amz-target", "secretsmanager.GetSecretValue"))
        .and(header("content-type", AWS_JSON))
        .and(body_json(request))
}

fn get_parameter(name: &str) -> MockBuilder {
    Mock::given(method("POST"))
        .and(path("/"))
        .and(header("x-amz-target", "AmazonSSM.GetParameter"))
        .and(header("content-type", AWS_JSON))
        .and(body_json(json!({"Name": name, "WithDecryption": true})))
}

fn secret_string(text: &str) -> ResponseTemplate {
    aws_json(
        200,
        json!({"ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:my-id-AbCdEf", "Name": "my-id", "SecretString": text, "VersionId": "v1", "VersionStages": ["AWSCURRENT"]}),
    )
}

fn parameter(name: &str, value: &str) -> ResponseTemplate {
    aws_json(
        200,
        json!({"Parameter": {"Name": name, "Value": value, "Type": "SecureString", "Version": 1}}),
    )
}

fn connection_doc() -> String {
    json!({"base_url": "https://env.example.com/MicroStrategyLibrary/api/", "username": "dave", "password": SECRET, "port": 443}).to_string()
}

async fn resolve(source: &impl SecretSource) -> Result<String, CredentialError> {
    source.resolve().await.map(|s| s.expose_secret().to_owned())
}

// ---- Secrets Manager: wire format and values

#[tokio::test]
async fn secrets_manager_sends_get_secret_value_and_reads_each_time() {
    let mock = MockServer::start().await;
    get_secret_value(json!({"SecretId": "my-id"}))
        .respond_with(secret_string(SECRET))
        .expect(2)
        .named("GetSecretValue per resolution")
        .mount(&mock)
        .await;

    let source = secrets_manager("my-id").with_client(sm_client(&mock.uri()));
    assert_eq!(resolve(&source).await.unwrap(), SECRET);
    assert_eq!(resolve(&source.clone()).await.unwrap(), SECRET);
    assert!(source.client_is_built());
}

#[tokio::test]
async fn secrets_manager_key_takes_one_json_field_per_resolution() {
    let mock = MockServer::start().await;
    get_secret_value(json!({"SecretId": "my-id"}))
        .respond_with(secret_string(&connection_doc()))
        .expect(4)
        .named("GetSecretValue per key resolution")
        .mount(&mock)
        .await;

    let client = sm_client(&mock.uri());
    let username = secrets_manager("my-id")
        .key("username")
        .with_client(client.clone());
    assert_eq!(resolve(&username).await.unwrap(), "dave");
    assert_eq!(resolve(&username).await.unwrap(), "dave");
    let port = secrets_manager("my-id")
        .key("port")
        .with_client(client.clone());
    assert_eq!(resolve(&port).await.unwrap(), "443");

    let missing = secrets_manager("my-id").key("nope").with_client(client);
    let err = resolve(&missing).await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(err.source_name(), "aws-secretsmanager:my-id#nope");
    assert!(!err.to_string().contains(SECRET));
}

#[tokio::test]
async fn secrets_manager_key_rejects_a_value_that_is_not_a_json_object() {
    let mock = MockServer::start().await;
    get_secret_value(json!({"SecretId": "plain"}))
        .respond_with(secret_string(SECRET))
        .expect(1)
        .named("plain-text secret")
        .mount(&mock)
        .await;

    let source = secrets_manager("plain")
        .key("password")
        .with_client(sm_client(&mock.uri()));
    let err = resolve(&source).await.unwrap_err();
    assert_eq!(err.kind(), CredentialErrorKind::Invalid);
    assert!(
        err.source_name().starts_with("aws-secretsmanager:plain"),
        "{err}"
    );
    assert!(!format!("{err} {err:?}").contains(SECRET));
}

#[tokio::test]
async fn version_stage_and_version_id_are_sent() {
    let mock = MockServer::start().await;
    get_secret_value(json!({"SecretId": "my-id", "VersionStage": "AWSPREVIOUS"}))
        .respond_with(secret_string("previous"))
        .expect(1)
        .named("by stage")
        .mount(&mock)
        .await;
    get_secret_value(json!({"SecretId": "my-id", "VersionId": "v7"}))
        .respond_with(secret_string(r#"{"password":"seventh"}"#))
        .expect(1)
        .named("by version id")
        .mount(&mock)
        .await;

    let client = sm_client(&mock.uri());
    let previous = secrets_manager("my-id")
        .version_stage("AWSPREVIOUS")
        .with_client(client.clone());
    assert_eq!(resolve(&previous).await.unwrap(), "previous");
    let seventh = SecretsManagerSecret::new("my-id")
        .version_id("v7")
        .with_client(client);
    assert_eq!(
        resolve(&seventh.field("password")).await.unwrap(),
        "seventh"
    );
}

#[tokio::test]
async fn secret_binary_is_used_when_utf8_and_invalid_otherwise() {
    let mock = MockServer::start().await;
    // base64 of "bin-password" and of [0xff, 0xfe, 0x00, 0x41]
    get_secret_value(json!({"SecretId": "utf8"}))
        .respond_with(aws_json(
            200,
            json!({"Name": "utf8", "SecretBinary": "YmluLXBhc3N3b3Jk"}),
        ))
        .expect(1)
        .named("UTF-8 binary")
        .mount(&mock)
        .await;
    get_secret_value(json!({"SecretId": "bytes"}))
        .respond_with(aws_json(
            200,
            json!({"Name": "bytes", "SecretBinary": "//4AQQ=="}),
        ))
        .expect(1)
        .named("non-UTF-8 binary")
        .mount(&mock)
        .await;
    get_secret_value(json!({"SecretId": "empty"}))
        .respond_with(aws_json(200, json!({"Name": "empty"})))
        .expect(1)
        .named("no value")
        .mount(&mock)
        .await;

    let client = sm_client(&mock.uri());
    let utf8 = secrets_manager("utf8").with_client(client.clone());
    assert_eq!(resolve(&utf8).await.unwrap(), "bin-password");

    let bytes = secrets_manager("bytes").with_client(client.clone());
    let err = resolve(&bytes).await.unwrap_err();
    assert_eq!(err.kind(), CredentialErrorKind::Invalid);
    assert_eq!(
        err.to_string(),
        "could not resolve aws-secretsmanager:bytes: the secret is binary and not UTF-8"
    );
    // the bytes never reach Debug (the FromUtf8Error would have carried them)
    assert!(!format!("{err:?}").contains("255, 254"), "{err:?}");

    let empty = secrets_manager("empty").with_client(client);
    assert!(resolve(&empty).await.unwrap_err().is_not_found());
}

// ---- error mapping

async fn secrets_manager_error(response: ResponseTemplate) -> CredentialError {
    let mock = MockServer::start().await;
    get_secret_value(json!({"SecretId": "my-id"}))
        .respond_with(response)
        .expect(1) // retries are disabled: exactly one attempt
        .named("failing GetSecretValue")
        .mount(&mock)
        .await;
    let source = secrets_manager("my-id")
        .key("password")
        .with_client(sm_client(&mock.uri()));
    let err = resolve(&source).await.unwrap_err();
    assert_eq!(err.source_name(), "aws-secretsmanager:my-id#password");
    assert!(
        std::error::Error::source(&err).is_some(),
        "the SDK error is kept: {err:?}"
    );
    err
}

async fn parameter_store_error(response: ResponseTemplate) -> CredentialError {
    let mock = MockServer::start().await;
    get_parameter("/app/pw")
        .respond_with(response)
        .expect(1)
        .named("failing GetParameter")
        .mount(&mock)
        .await;
    let source = parameter_store("/app/pw").with_client(ssm_client(&mock.uri()));
    let err = resolve(&source).await.unwrap_err();
    assert_eq!(err.source_name(), "aws-ssm:/app/pw");
    assert!(std::error::Error::source(&err).is_some());
    err
}

#[tokio::test]
async fn resource_not_found_is_not_found() {
    let err = secrets_manager_error(aws_error(400, "ResourceNotFoundException")).await;
    assert!(err.is_not_found(), "{err:?}");
    assert!(err.to_string().contains("check the secret id"), "{err}");
}

#[tokio::test]
async fn access_denied_is_access_denied_with_the_permission_to_grant() {
    let err = secrets_manager_error(aws_error(400, "AccessDeniedException")).await;
    assert!(err.is_access_denied(), "{err:?}");
    assert!(
        err.to_string()
            .contains("grant secretsmanager:GetSecretValue"),
        "{err}"
    );
    assert!(err.to_string().contains("kms:Decrypt"), "{err}");
}

#[tokio::test]
async fn http_403_is_access_denied_whatever_the_code() {
    let err = secrets_manager_error(aws_error(403, "SomethingNew")).await;
    assert!(err.is_access_denied(), "{err:?}");
}

#[tokio::test]
async fn rejected_credentials_are_access_denied() {
    let err = secrets_manager_error(aws_error(400, "UnrecognizedClientException")).await;
    assert!(err.is_access_denied(), "{err:?}");
    assert!(err.to_string().contains("credentials"), "{err}");
}

#[tokio::test]
async fn throttling_is_throttled() {
    let err = secrets_manager_error(aws_error(400, "ThrottlingException")).await;
    assert!(err.is_throttled(), "{err:?}");
}

#[tokio::test]
async fn decryption_failure_is_invalid() {
    let err = secrets_manager_error(aws_error(400, "DecryptionFailure")).await;
    assert_eq!(err.kind(), CredentialErrorKind::Invalid, "{err:?}");
    assert!(err.to_string().contains("kms:Decrypt"), "{err}");
}

#[tokio::test]
async fn a_server_error_is_other_and_names_the_code() {
    let err = secrets_manager_error(aws_error(500, "InternalServiceError")).await;
    assert_eq!(err.kind(), CredentialErrorKind::Other, "{err:?}");
    assert!(err.to_string().contains("InternalServiceError"), "{err}");
}

#[tokio::test]
async fn an_unreachable_endpoint_is_other() {
    let source = secrets_manager("my-id").with_client(sm_client(&closed_endpoint()));
    let err = resolve(&source).await.unwrap_err();
    assert_eq!(err.kind(), CredentialErrorKind::Other, "{err:?}");
    assert!(err.to_string().contains("could not be sent"), "{err}");
}

#[tokio::test]
async fn parameter_not_found_is_not_found() {
    let err = parameter_store_error(aws_error(400, "ParameterNotFound")).await;
    assert!(err.is_not_found(), "{err:?}");
    assert!(
        err.to_string().contains("check the parameter name"),
        "{err}"
    );
}

#[tokio::test]
async fn parameter_access_denied_names_ssm_get_parameter() {
    let err = parameter_store_error(aws_error(400, "AccessDeniedException")).await;
    assert!(err.is_access_denied(), "{err:?}");
    assert!(err.to_string().contains("grant ssm:GetParameter"), "{err}");
}

#[tokio::test]
async fn parameter_throttling_codes_and_429_are_throttled() {
    for response in [
        aws_error(400, "ThrottlingException"),
        aws_error(400, "TooManyUpdates"),
        aws_error(429, "SomethingNew"),
    ] {
        let err = parameter_store_error(response).await;
        assert!(err.is_throttled(), "{err:?}");
    }
}

// ---- Parameter Store: wire format and caching

#[tokio::test]
async fn parameter_store_sends_get_parameter_with_decryption_each_time() {
    let mock = MockServer::start().await;
    get_parameter("/app/pw")
        .respond_with(parameter("/app/pw", SECRET))
        .expect(2)
        .named("GetParameter per resolution")
        .mount(&mock)
        .await;

    let source = parameter_store("/app/pw").with_client(ssm_client(&mock.uri()));
    assert_eq!(resolve(&source).await.unwrap(), SECRET);
    assert_eq!(resolve(&source).await.unwrap(), SECRET);
}

#[tokio::test]
async fn parameter_store_values_fetch_each_name_once() {
    let mock = MockServer::start().await;
    get_parameter("/app/user")
        .respond_with(parameter("/app/user", "dave"))
        .expect(1)
        .named("user once")
        .mount(&mock)
        .await;
    get_parameter("/app/pw")
        .respond_with(parameter("/app/pw", SECRET))
        .expect(1)
        .named("password once")
        .mount(&mock)
        .await;

    let params = ParameterStoreValues::new().with_client(ssm_client(&mock.uri()));
    assert!(!params.client_is_built());
    let user = params.parameter("/app/user");
    let password = params.parameter("/app/pw");
    // concurrently first, then again, and through other sources and clones of the group
    let (u, p, u2, p2) = tokio::join!(
        resolve(&user),
        resolve(&password),
        resolve(&user),
        resolve(&password)
    );
    assert_eq!(
        (u.unwrap(), p.unwrap()),
        ("dave".to_owned(), SECRET.to_owned())
    );
    assert_eq!(
        (u2.unwrap(), p2.unwrap()),
        ("dave".to_owned(), SECRET.to_owned())
    );
    assert_eq!(
        resolve(&params.clone().parameter("/app/pw")).await.unwrap(),
        SECRET
    );
    assert_eq!(resolve(&user.clone()).await.unwrap(), "dave");
    assert!(params.client_is_built());
}

#[tokio::test]
async fn invalidating_a_parameter_refetches_only_that_one() {
    let mock = MockServer::start().await;
    get_parameter("/app/pw")
        .respond_with(parameter("/app/pw", SECRET))
        .expect(3)
        .named("password: first, after invalidate(), after the group's invalidate()")
        .mount(&mock)
        .await;
    get_parameter("/app/user")
        .respond_with(parameter("/app/user", "dave"))
        .expect(2)
        .named("user: first, after the group's invalidate()")
        .mount(&mock)
        .await;

    let params = ParameterStoreValues::new().with_client(ssm_client(&mock.uri()));
    let user = params.parameter("/app/user");
    let password = params.parameter("/app/pw");
    resolve(&user).await.unwrap();
    resolve(&password).await.unwrap();
    password.invalidate();
    resolve(&user).await.unwrap();
    resolve(&password).await.unwrap();
    params.invalidate();
    resolve(&user).await.unwrap();
    resolve(&password).await.unwrap();
}

#[tokio::test]
async fn a_failed_parameter_fetch_is_not_cached() {
    let mock = MockServer::start().await;
    get_parameter("/app/pw")
        .respond_with(aws_error(400, "ThrottlingException"))
        .up_to_n_times(1)
        .expect(1)
        .named("throttled once")
        .mount(&mock)
        .await;
    get_parameter("/app/pw")
        .respond_with(parameter("/app/pw", SECRET))
        .expect(1)
        .named("then the value")
        .mount(&mock)
        .await;

    let password = ParameterStoreValues::new()
        .with_client(ssm_client(&mock.uri()))
        .parameter("/app/pw");
    assert!(resolve(&password).await.unwrap_err().is_throttled());
    assert_eq!(resolve(&password).await.unwrap(), SECRET);
    assert_eq!(resolve(&password).await.unwrap(), SECRET);
}

// ---- SecretsManagerSecret: one fetch for all fields

#[tokio::test]
async fn secrets_manager_secret_fetches_once_for_all_fields() {
    let mock = MockServer::start().await;
    get_secret_value(json!({"SecretId": "my-id"}))
        .respond_with(secret_string(&connection_doc()))
        .expect(1)
        .named("one GetSecretValue for every field")
        .mount(&mock)
        .await;

    let secret = SecretsManagerSecret::new("my-id").with_client(sm_client(&mock.uri()));
    let (base_url, username, password) = (
        secret.field("base_url"),
        secret.field("username"),
        secret.field("password"),
    );
    let (b, u, p) = tokio::join!(resolve(&base_url), resolve(&username), resolve(&password));
    assert_eq!(
        b.unwrap(),
        "https://env.example.com/MicroStrategyLibrary/api/"
    );
    assert_eq!(u.unwrap(), "dave");
    assert_eq!(p.unwrap(), SECRET);
    // sequentially, through clones and new fields: still the one fetch
    assert_eq!(resolve(&password).await.unwrap(), SECRET);
    assert_eq!(
        resolve(&secret.clone().field("username")).await.unwrap(),
        "dave"
    );
    let err = resolve(&secret.field("nope")).await.unwrap_err();
    assert!(err.is_not_found());
    assert_eq!(err.source_name(), "aws-secretsmanager:my-id#nope");
}

#[tokio::test]
async fn secrets_manager_secret_concurrent_fields_on_many_tasks_share_one_fetch() {
    let mock = MockServer::start().await;
    get_secret_value(json!({"SecretId": "my-id"}))
        .respond_with(secret_string(&connection_doc()))
        .expect(1)
        .named("one GetSecretValue across tasks")
        .mount(&mock)
        .await;

    let secret = SecretsManagerSecret::new("my-id").with_client(sm_client(&mock.uri()));
    let tasks: Vec<_> = ["base_url", "username", "password"]
        .into_iter()
        .cycle()
        .take(12)
        .map(|name| {
            let field = secret.field(name);
            tokio::spawn(async move { resolve(&field).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
}

#[tokio::test]
async fn invalidate_makes_secrets_manager_secret_refetch() {
    let mock = MockServer::start().await;
    get_secret_value(json!({"SecretId": "my-id"}))
        .respond_with(secret_string(&connection_doc()))
        .expect(3)
        .named("first, after invalidate(), after a field's invalidate()")
        .mount(&mock)
        .await;

    let secret = SecretsManagerSecret::new("my-id").with_client(sm_client(&mock.uri()));
    let password = secret.field("password");
    resolve(&password).await.unwrap();
    resolve(&password).await.unwrap();
    secret.invalidate();
    resolve(&password).await.unwrap();
    password.invalidate();
    resolve(&secret.field("username")).await.unwrap();
}

// ---- endpoint, region and config injection

/// Matches requests signed for `region` (the SigV4 credential scope names it).
fn signed_for(region: &'static str) -> impl Fn(&Request) -> bool + Send + Sync + 'static {
    move |request: &Request| {
        request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains(&format!("/{region}/")))
    }
}

#[tokio::test]
async fn endpoint_overrides_an_injected_sdk_config_and_client() {
    let mock = MockServer::start().await;
    get_secret_value(json!({"SecretId": "my-id"}))
        .respond_with(secret_string(SECRET))
        .expect(2)
        .named("reached through .endpoint()")
        .mount(&mock)
        .await;
    get_parameter("/app/pw")
        .respond_with(parameter("/app/pw", SECRET))
        .expect(2)
        .named("SSM reached through .endpoint()")
        .mount(&mock)
        .await;

    let elsewhere = closed_endpoint();
    let via_config = secrets_manager("my-id")
        .with_sdk_config(sdk_config(Some(&elsewhere)))
        .endpoint(mock.uri());
    assert_eq!(resolve(&via_config).await.unwrap(), SECRET);
    let via_client = secrets_manager("my-id")
        .with_client(sm_client(&elsewhere))
        .endpoint(mock.uri());
    assert_eq!(resolve(&via_client).await.unwrap(), SECRET);

    let ssm_via_config = parameter_store("/app/pw")
        .with_sdk_config(sdk_config(None))
        .endpoint(mock.uri());
    assert_eq!(resolve(&ssm_via_config).await.unwrap(), SECRET);
    let group = ParameterStoreValues::new()
        .endpoint(mock.uri())
        .with_client(ssm_client(&elsewhere));
    assert_eq!(resolve(&group.parameter("/app/pw")).await.unwrap(), SECRET);
}

#[tokio::test]
async fn region_overrides_the_injected_clients_region() {
    let mock = MockServer::start().await;
    get_secret_value(json!({"SecretId": "my-id"}))
        .and(signed_for("eu-west-1"))
        .respond_with(secret_string(&connection_doc()))
        .expect(1)
        .named("signed for eu-west-1")
        .mount(&mock)
        .await;
    get_parameter("/app/pw")
        .and(signed_for("ap-south-1"))
        .respond_with(parameter("/app/pw", SECRET))
        .expect(1)
        .named("SSM signed for ap-south-1")
        .mount(&mock)
        .await;

    let secret = SecretsManagerSecret::new("my-id")
        .with_client(sm_client(&mock.uri()))
        .region("eu-west-1");
    assert_eq!(resolve(&secret.field("password")).await.unwrap(), SECRET);
    let param = parameter_store("/app/pw")
        .region("ap-south-1")
        .with_sdk_config(sdk_config(Some(&mock.uri())));
    assert_eq!(resolve(&param).await.unwrap(), SECRET);
}

// ---- laziness

#[tokio::test]
async fn constructing_sources_and_a_builder_sends_nothing_and_loads_no_config() {
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(aws_error(500, "ShouldNotBeCalled"))
        .expect(0)
        .named("no request at construction")
        .mount(&mock)
        .await;

    // injected clients, injected config, and the ambient default
    let secret = SecretsManagerSecret::new("my-id").with_client(sm_client(&mock.uri()));
    let ambient_secret = SecretsManagerSecret::new("other").region("us-east-1");
    let single = secrets_manager("my-id")
        .key("password")
        .with_sdk_config(sdk_config(Some(&mock.uri())));
    let param = parameter_store("/app/pw").endpoint(mock.uri());
    let params = ParameterStoreValues::new();
    let cached = params.parameter("/app/pw");

    let builder = AuthenticatedSession::builder()
        .base_url(secret.field("base_url"))
        .username(ambient_secret.field("username"))
        .password(single.clone())
        .api_key(param.clone())
        .identity_token(cached.clone());
    let shown = format!("{builder:?}");
    assert!(
        shown.contains("aws-secretsmanager:my-id#base_url"),
        "{shown}"
    );
    drop(builder);

    assert!(!secret.client_is_built());
    assert!(!ambient_secret.client_is_built());
    assert!(!single.client_is_built());
    assert!(!param.client_is_built());
    assert!(!params.client_is_built());
    assert!(mock.received_requests().await.unwrap().is_empty());
}

// ---- end to end

#[tokio::test]
async fn authenticated_session_logs_in_with_credentials_from_one_secret() {
    let emulator = Emulator::start().await;
    let mock = MockServer::start().await;
    get_secret_value(json!({"SecretId": "prod/mstr"}))
        .respond_with(secret_string(
            &json!({"base_url": emulator.base_url(), "username": "dave", "password": "hellodave"})
                .to_string(),
        ))
        .expect(1)
        .named("one GetSecretValue for base_url, username and password")
        .mount(&mock)
        .await;

    let secret = SecretsManagerSecret::new("prod/mstr").with_client(sm_client(&mock.uri()));
    let session = AuthenticatedSession::builder()
        .base_url(secret.field("base_url"))
        .username(secret.field("username"))
        .password(secret.field("password"))
        .connect()
        .await
        .unwrap();
    assert!(session.has_session());
    session.close().await.unwrap();
    assert_eq!(emulator.logins(), 1);
    assert_eq!(emulator.logouts(), 1);
}

#[tokio::test]
async fn a_failing_secret_is_a_credential_error_naming_the_field() {
    let mock = MockServer::start().await;
    get_secret_value(json!({"SecretId": "prod/mstr"}))
        .respond_with(aws_error(400, "ResourceNotFoundException"))
        .expect(1)
        .named("missing secret")
        .mount(&mock)
        .await;

    let secret = SecretsManagerSecret::new("prod/mstr").with_client(sm_client(&mock.uri()));
    let err = AuthenticatedSession::builder()
        .base_url(secret.field("base_url"))
        .username(secret.field("username"))
        .password(secret.field("password"))
        .connect()
        .await
        .unwrap_err();
    let Error::Credential(err) = err else {
        panic!("expected a credential error, got {err:?}")
    };
    assert!(err.is_not_found());
    assert_eq!(err.field(), Some("base_url"));
    assert_eq!(err.source_name(), "aws-secretsmanager:prod/mstr");
}

// ---- Debug and describe

#[tokio::test]
async fn debug_shows_no_secret_and_describe_names_the_source() {
    let mock = MockServer::start().await;
    get_secret_value(json!({"SecretId": "my-id"}))
        .respond_with(secret_string(&connection_doc()))
        .named("connection secret")
        .mount(&mock)
        .await;
    get_secret_value(json!({"SecretId": "my-id", "VersionStage": "AWSCURRENT"}))
        .respond_with(secret_string(&connection_doc()))
        .named("connection secret by stage")
        .mount(&mock)
        .await;
    get_parameter("/app/pw")
        .respond_with(parameter("/app/pw", SECRET))
        .named("password parameter")
        .mount(&mock)
        .await;

    let sm = sm_client(&mock.uri());
    let single = secrets_manager("my-id").with_client(sm.clone());
    let keyed = secrets_manager("my-id")
        .key("password")
        .with_client(sm.clone());
    let secret = SecretsManagerSecret::new("my-id")
        .with_client(sm)
        .version_stage("AWSCURRENT");
    let field = secret.field("password");
    let param = parameter_store("/app/pw").with_client(ssm_client(&mock.uri()));
    let params = ParameterStoreValues::new().with_client(ssm_client(&mock.uri()));
    let cached = params.parameter("/app/pw");

    // resolve everything, so any cached value would show if Debug leaked it
    resolve(&single).await.unwrap();
    assert_eq!(resolve(&keyed).await.unwrap(), SECRET);
    assert_eq!(resolve(&field).await.unwrap(), SECRET);
    assert_eq!(resolve(&param).await.unwrap(), SECRET);
    assert_eq!(resolve(&cached).await.unwrap(), SECRET);

    assert_eq!(single.describe(), "aws-secretsmanager:my-id");
    assert_eq!(keyed.describe(), "aws-secretsmanager:my-id#password");
    assert_eq!(secret.describe(), "aws-secretsmanager:my-id");
    assert_eq!(field.describe(), "aws-secretsmanager:my-id#password");
    assert_eq!(param.describe(), "aws-ssm:/app/pw");
    assert_eq!(cached.describe(), "aws-ssm:/app/pw");
    assert_eq!(keyed.to_string(), "aws-secretsmanager:my-id#password");
    assert_eq!(secret.to_string(), "aws-secretsmanager:my-id");
    assert_eq!(param.to_string(), "aws-ssm:/app/pw");
    assert_eq!(cached.to_string(), "aws-ssm:/app/pw");

    let shown = [
        format!("{single:?}"),
        format!("{keyed:?}"),
        format!("{secret:?}"),
        format!("{field:?}"),
        format!("{param:?}"),
        format!("{params:?}"),
        format!("{cached:?}"),
    ];
    for text in &shown {
        assert!(!text.contains(SECRET), "secret in Debug: {text}");
        assert!(!text.contains("SECRET"), "secret key in Debug: {text}");
    }
    assert_eq!(
        shown[1],
        "SecretsManager { id: \"my-id\", key: Some(\"password\"), version_stage: None, version_id: None, \
         client: AwsClient { config: \"injected client\", region: None, endpoint: None, built: true } }"
    );
    assert!(
        shown[2].starts_with(
            "SecretsManagerSecret { id: \"my-id\", version_stage: Some(\"AWSCURRENT\")"
        ),
        "{}",
        shown[2]
    );
    assert_eq!(shown[3], "JsonField(aws-secretsmanager:my-id#password)");
    assert!(shown[5].contains("cached: [\"/app/pw\"]"), "{}", shown[5]);
    assert_eq!(
        shown[6],
        "CachedParameter { name: \"/app/pw\", cached: true }"
    );
    let ambient = format!("{:?}", parameter_store("/x").region("eu-west-1"));
    assert_eq!(
        ambient,
        "ParameterStore { name: \"/x\", client: AwsClient { config: \"ambient\", region: Some(\"eu-west-1\"), endpoint: None, built: false } }"
    );
}
