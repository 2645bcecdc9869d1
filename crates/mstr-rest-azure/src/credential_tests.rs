//! The credential chain's sources, from inside: what each reads and asks for.

use std::sync::Arc;

use async_trait::async_trait;
use azure_core::error::{Error, ErrorKind};
use azure_core::http::{
    AsyncRawResponse, ClientOptions, HttpClient, Request as AzureRequest, RetryOptions, Transport,
};
use mstr_rest_session::CredentialErrorKind;
use serde_json::json;
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::credential::{environment_credential, test_env, workload_identity_credential};
use crate::key_vault;

const VAULT: &str = "https://myvault.vault.azure.net/";
const VAULT_SCOPE: &str = "https://vault.azure.net/.default";

/// Sends every request to the mock server, whatever host it was addressed to: the client
/// insists on `https://` for authenticated calls, the mock speaks plain HTTP on 127.0.0.1.
#[derive(Debug)]
struct Reroute {
    port: u16,
    inner: Arc<dyn HttpClient>,
}

#[async_trait]
impl HttpClient for Reroute {
    async fn execute_request(
        &self,
        request: &AzureRequest,
    ) -> azure_core::Result<AsyncRawResponse> {
        let mut request = request.clone();
        let url = request.url_mut();
        url.set_scheme("http").unwrap();
        url.set_host(Some("127.0.0.1")).unwrap();
        url.set_port(Some(self.port)).unwrap();
        self.inner.execute_request(&request).await
    }
}

fn client_options(server: &MockServer) -> ClientOptions {
    ClientOptions {
        transport: Some(Transport::new(Arc::new(Reroute {
            port: server.address().port(),
            inner: azure_core::http::new_http_client(None),
        }))),
        // 429 and 5xx would be retried with back-off; the tests want the first answer
        retry: RetryOptions::none(),
        ..ClientOptions::default()
    }
}

fn lookup(
    vars: &'static [(&'static str, &'static str)],
) -> impl Fn(&str) -> Option<String> + Send + Sync {
    move |name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    }
}

#[test]
fn environment_source_names_the_missing_variables() {
    let env = test_env(
        lookup(&[("AZURE_TENANT_ID", "tenant"), ("AZURE_CLIENT_SECRET", "")]),
        ClientOptions::default(),
    );

    let err = environment_credential(&env).unwrap_err().to_string();

    assert!(
        err.contains("AZURE_CLIENT_ID") && err.contains("AZURE_CLIENT_SECRET"),
        "{err}"
    );
    assert!(!err.contains("AZURE_TENANT_ID"), "{err}");
}

#[test]
fn workload_identity_source_needs_its_token_file() {
    let env = test_env(
        lookup(&[("AZURE_TENANT_ID", "tenant"), ("AZURE_CLIENT_ID", "client")]),
        ClientOptions::default(),
    );

    let err = workload_identity_credential(&env).unwrap_err().to_string();

    assert!(err.contains("AZURE_FEDERATED_TOKEN_FILE"), "{err}");
}

#[tokio::test]
async fn environment_source_requests_a_client_secret_token() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/v2.0/token"))
        .and(body_string_contains("grant_type=client_credentials"))
        .and(body_string_contains("client_id=my-app"))
        .and(body_string_contains("scope=https%3A%2F%2Fvault.azure.net%2F.default"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": "entra-token"
        })))
        .expect(1)
        .named("client-credentials token request")
        .mount(&server)
        .await;
    let env = test_env(
        lookup(&[
            ("AZURE_TENANT_ID", "72f988bf-86f1-41af-91ab-2d7cd011db47"),
            ("AZURE_CLIENT_ID", "my-app"),
            ("AZURE_CLIENT_SECRET", "app-secret"),
        ]),
        client_options(&server),
    );

    let token = environment_credential(&env)
        .unwrap()
        .get_token(&[VAULT_SCOPE], None)
        .await
        .unwrap();

    assert_eq!(token.token.secret(), "entra-token");
}

#[test]
fn ambient_credential_failure_names_the_sources_tried() {
    let chain_error = Error::with_message(
        ErrorKind::Credential,
        "no Azure credential source could get a token",
    );

    let err = key_vault(VAULT, "mstr-password").error(chain_error);

    assert_eq!(err.kind(), CredentialErrorKind::Other);
    let message = err.to_string();
    for hint in [
        "AZURE_CLIENT_SECRET",
        "AZURE_FEDERATED_TOKEN_FILE",
        "managed identity",
        "az login",
        "azd auth login",
    ] {
        assert!(message.contains(hint), "{hint} missing from {message}");
    }
}
