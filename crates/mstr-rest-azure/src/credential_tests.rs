//! The credential chain's sources, from inside: what each reads and asks for.

use azure_core::error::{Error, ErrorKind};
use azure_core::http::ClientOptions;
use mstr_rest_session::CredentialErrorKind;

use crate::credential::{environment_credential, test_env, workload_identity_credential};
use crate::key_vault;

const VAULT: &str = "https://myvault.vault.azure.net/";

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
