"""Azure Key Vault credentials (DefaultAzureCredential's chain: environment, managed
identity, Azure CLI). ``key_vault`` fetches on every resolution, ``KeyVaultSecret`` once
for all its fields."""

from __future__ import annotations

from typing import Callable

from ._native import native

__all__ = ["key_vault", "KeyVaultSecret"]

_key_vault = native("azure_key_vault", "azure")
_key_vault_fields = native("azure_key_vault_fields", "azure")


def key_vault(vault_url: str, name: str) -> Callable[[], str]:
    """A callable returning secret ``name`` of the vault at ``vault_url``."""
    return _key_vault(vault_url, name)


class KeyVaultSecret:
    """A Key Vault secret holding JSON, fetched once and shared by every field."""

    def __init__(self, vault_url: str, name: str) -> None:
        self._fields = _key_vault_fields(vault_url, name)

    def field(self, key: str) -> Callable[[], str]:
        return self._fields.field(key)
