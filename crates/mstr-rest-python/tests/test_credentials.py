"""The seed's credential providers on the Rust sources: AWS against moto_server (started
by .ci/run), Azure and GCP for their laziness (no cloud is ever called)."""

from __future__ import annotations

import json
import os
import urllib.request

import pytest

from mstr_rest import exceptions
from mstr_rest.requests import AuthenticatedMSTRRESTSession

MOTO = os.environ.get("MSTR_REST_MOTO_ENDPOINT")


@pytest.fixture
def aws(monkeypatch):
    if not MOTO:
        if os.environ.get("MSTR_REST_REQUIRE_MOTO") == "1":
            pytest.fail("moto is required but MSTR_REST_MOTO_ENDPOINT is unset (.ci/moto.sh)")
        pytest.skip("set MSTR_REST_MOTO_ENDPOINT (see .ci/moto.sh)")
    for name, value in {
        "AWS_ENDPOINT_URL": MOTO,
        "AWS_ACCESS_KEY_ID": "AKID",
        "AWS_SECRET_ACCESS_KEY": "SECRET",
        "AWS_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
    }.items():
        monkeypatch.setenv(name, value)

    def call(target: str, body: dict):
        service = "ssm" if target.startswith("AmazonSSM") else "secretsmanager"
        request = urllib.request.Request(
            MOTO,
            data=json.dumps(body).encode(),
            headers={
                "Content-Type": "application/x-amz-json-1.1",
                "X-Amz-Target": target,
                # moto reads the service and region from the signature's scope
                "Authorization": f"AWS4-HMAC-SHA256 Credential=AKID/20261207/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0",
            },
        )
        with urllib.request.urlopen(request) as answer:
            return json.loads(answer.read() or b"{}")

    return call


def unique(name: str) -> str:
    return f"{name}-{os.getpid()}-{id(object())}"


def test_secrets_manager_fields_log_in(aws, base_url):
    from mstr_rest.requests.credentials.aws import secrets_manager

    secret_id = unique("mstr")
    aws("secretsmanager.CreateSecret", {"Name": secret_id, "SecretString": json.dumps({"username": "dave", "password": "hellodave"})})
    with AuthenticatedMSTRRESTSession(
        base_url=base_url,
        username=secrets_manager(secret_id, key="username"),
        password=secrets_manager(secret_id, key="password"),
    ) as session:
        assert session.get_userinfo().json()["fullName"] == "Dave Bowman"


def test_a_secrets_manager_secret_is_fetched_once_for_every_field(aws, base_url):
    from mstr_rest.requests.credentials.aws import SecretsManagerSecret, secrets_manager

    secret_id = unique("conn")
    aws("secretsmanager.CreateSecret", {"Name": secret_id, "SecretString": json.dumps(
        {"base_url": base_url, "username": "dave", "password": "hellodave"})})
    secret = SecretsManagerSecret(secret_id)
    assert secret.field("username")() == "dave"
    aws("secretsmanager.DeleteSecret", {"SecretId": secret_id, "ForceDeleteWithoutRecovery": True})
    # cached: the other fields resolve without the (now deleted) secret
    with AuthenticatedMSTRRESTSession(
        base_url=secret.field("base_url"), username=secret.field("username"), password=secret.field("password"),
    ) as session:
        assert session.has_session()
    # uncached: fetched afresh, and the store's answer is a typed error naming the secret
    with pytest.raises(exceptions.CredentialException) as raised:
        secrets_manager(secret_id, key="password")()
    assert secret_id in str(raised.value)
    assert "hellodave" not in str(raised.value)


def test_parameter_store(aws, base_url):
    from mstr_rest.requests.credentials.aws import ParameterStoreValues, parameter_store

    prefix = "/" + unique("app")
    for name, value in {"username": "dave", "password": "hellodave"}.items():
        aws("AmazonSSM.PutParameter", {"Name": f"{prefix}/{name}", "Value": value, "Type": "SecureString"})
    with AuthenticatedMSTRRESTSession(
        base_url=base_url, username=parameter_store(f"{prefix}/username"), password=parameter_store(f"{prefix}/password"),
    ) as session:
        assert session.has_session()
    params = ParameterStoreValues()
    assert params.parameter(f"{prefix}/username")() == "dave"
    with pytest.raises(exceptions.MissingCredentialException):
        params.parameter(f"{prefix}/nothing")()


def test_azure_and_gcp_are_lazy(base_url):
    from mstr_rest.requests.credentials.azure import KeyVaultSecret, key_vault
    from mstr_rest.requests.credentials.gcp import SecretManagerSecret, secret_manager

    username = key_vault("https://my-vault.vault.azure.net/", "mstr-username")
    password = SecretManagerSecret("my-project", "mstr-connection").field("password")
    other = secret_manager("my-project", "mstr-password")
    vault = KeyVaultSecret("https://my-vault.vault.azure.net/", "mstr-connection").field("base_url")
    # built, shown by name — and nothing fetched: no credential chain, no network
    session = AuthenticatedMSTRRESTSession(base_url=vault, username=username, password=password)
    assert "mstr-username" in repr(username) and "mstr-connection" in repr(vault)
    assert "my-project" in repr(other)
    assert not session.has_session()


def test_env(monkeypatch, base_url):
    from mstr_rest.requests.credentials.env import env

    monkeypatch.setenv("MSTR_TEST_USER", "dave")
    monkeypatch.delenv("MSTR_TEST_PASSWORD", raising=False)
    with pytest.raises(exceptions.MissingCredentialException, match="MSTR_TEST_PASSWORD"):
        with AuthenticatedMSTRRESTSession(base_url=base_url, username=env("MSTR_TEST_USER"), password=env("MSTR_TEST_PASSWORD")):
            pass
    monkeypatch.setenv("MSTR_TEST_PASSWORD", "hellodave")
    with AuthenticatedMSTRRESTSession(base_url=base_url, username=env("MSTR_TEST_USER"), password=env("MSTR_TEST_PASSWORD")) as s:
        assert s.has_session()
