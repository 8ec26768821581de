"""The local people: the desk's configured tokens, and where the local identity provider is."""

from __future__ import annotations

import json
from typing import Final

#: Local-only bearer tokens of the desk API, one per person (make run prints them).
LOCAL_DESK_TOKENS: Final = {
    "agent-1": {"token": "local-collector-token", "role": "agent", "team": "collections"},
    "agent-2": {"token": "local-field-agent-token", "role": "agent", "team": "field"},
    "supervisor-1": {"token": "local-supervisor-token", "role": "supervisor"},
}


def desk_env(prefix: str, audit_port: int) -> dict[str, str]:
    """The desk's settings in a local stack: its people's configured tokens (the local
    identity provider's come with :func:`identity_env`) and the audit service it links to."""
    env = {
        prefix + "API_TOKENS": json.dumps(LOCAL_DESK_TOKENS),
        prefix + "AUDIT_URL": f"http://127.0.0.1:{audit_port}",
        prefix + "GAUGE_INTERVAL_S": "5",
    }
    return env


def identity_env(prefix: str, identity_url: str | None) -> dict[str, str]:
    """A service's sign-in by the local identity provider, when one runs (the desk, the
    notifier's pre-call gate and the audit API take the same tokens)."""
    if not identity_url:
        return {}
    return {prefix + "JWKS_URL": f"{identity_url}/jwks.json", prefix + "JWT_ISSUER": identity_url}
