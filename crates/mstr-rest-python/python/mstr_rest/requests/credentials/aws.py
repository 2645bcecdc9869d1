"""AWS Secrets Manager and SSM Parameter Store credentials (credentials and region from the
usual AWS chain: environment, profile, SSO, instance role).

As in the seed: ``secrets_manager`` and ``parameter_store`` fetch on every resolution;
``SecretsManagerSecret`` fetches once for all its fields and ``ParameterStoreValues``
once per parameter. Failures raise ``CredentialException`` naming the secret (never its
value), or ``MissingCredentialException`` when it does not exist.
"""

from __future__ import annotations

from typing import Callable, Optional

from ._native import native

__all__ = ["secrets_manager", "SecretsManagerSecret", "parameter_store", "ParameterStoreValues"]

_secrets_manager = native("aws_secrets_manager", "aws")
_secrets_manager_fields = native("aws_secrets_manager_fields", "aws")
_parameter_store = native("aws_parameter_store", "aws")
_parameter_values = native("aws_parameter_values", "aws")


def secrets_manager(secret_id: str, key: Optional[str] = None, region_name: Optional[str] = None) -> Callable[[], str]:
    """A callable returning secret ``secret_id`` (its JSON field ``key`` when given)."""
    return _secrets_manager(secret_id, key, region_name)


class SecretsManagerSecret:
    """A secret holding JSON, fetched once (on the first field's resolution) and shared by
    every field."""

    def __init__(self, secret_id: str, region_name: Optional[str] = None) -> None:
        self._fields = _secrets_manager_fields(secret_id, region_name)

    def field(self, key: str) -> Callable[[], str]:
        return self._fields.field(key)


def parameter_store(name: str, region_name: Optional[str] = None) -> Callable[[], str]:
    """A callable returning SSM parameter ``name`` (decrypted)."""
    return _parameter_store(name, region_name)


class ParameterStoreValues:
    """SSM parameters, each fetched once and cached."""

    def __init__(self, region_name: Optional[str] = None) -> None:
        self._values = _parameter_values(region_name)

    def parameter(self, name: str) -> Callable[[], str]:
        return self._values.field(name)
