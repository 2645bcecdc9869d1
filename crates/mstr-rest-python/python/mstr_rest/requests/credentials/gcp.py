"""Google Cloud Secret Manager credentials (Application Default Credentials).
``secret_manager`` fetches on every resolution, ``SecretManagerSecret`` once for all its
fields."""

from __future__ import annotations

from typing import Callable, Optional

from ._native import native

__all__ = ["secret_manager", "SecretManagerSecret"]

_secret_manager = native("gcp_secret_manager", "gcp")
_secret_manager_fields = native("gcp_secret_manager_fields", "gcp")


def secret_manager(project: str, name: str, version: Optional[str] = None) -> Callable[[], str]:
    """A callable returning secret ``name`` of GCP project ``project`` (latest version)."""
    return _secret_manager(project, name, version)


class SecretManagerSecret:
    """A secret holding JSON, fetched once and shared by every field."""

    def __init__(self, project: str, name: str, version: Optional[str] = None) -> None:
        self._fields = _secret_manager_fields(project, name, version)

    def field(self, key: str) -> Callable[[], str]:
        return self._fields.field(key)
