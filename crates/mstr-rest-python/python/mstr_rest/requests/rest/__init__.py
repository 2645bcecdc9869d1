"""The seed's ``mstr.requests.rest`` package: its ``exceptions`` module."""

from . import exceptions

__all__ = ["exceptions"]
