"""Credentials from environment variables, read when the login needs them."""

from __future__ import annotations

import os
from typing import Callable, Optional

from ...exceptions import MissingCredentialException

__all__ = ["env"]


def env(name: str, default: Optional[str] = None) -> Callable[[], str]:
    """A callable returning ``$name``; unset or empty gives ``default``, or raises
    ``MissingCredentialException`` naming the variable."""

    def resolve() -> str:
        value = os.environ.get(name)
        if value:
            return value
        if default is not None:
            return default
        raise MissingCredentialException(f"N/A: environment variable {name} is not set", source=f"env:{name}")

    return resolve
