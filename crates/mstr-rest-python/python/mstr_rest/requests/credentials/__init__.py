"""Credential providers: zero-argument callables for ``AuthenticatedMSTRRESTSession``'s
credential arguments, resolved when the ``with`` block is entered.

``aws`` (Secrets Manager, SSM Parameter Store), ``azure`` (Key Vault), ``gcp`` (Secret
Manager) and ``env`` (environment variables). The cloud ones are the Rust library's
sources: no SDK client is made and nothing is fetched until a login needs the value, and
no Python cloud SDK is needed.
"""
