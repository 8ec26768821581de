"""The local people: the desk's configured tokens, and where the local identity provider is."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Final

#: Local-only bearer tokens of the desk API, one per person (make run prints them).
LOCAL_DESK_TOKENS: Final = {
    "agent-1": {"token": "local-collector-token", "role": "agent", "team": "collections"},
    "agent-2": {"token": "local-field-agent-token", "role": "agent", "team": "field"},
    "supervisor-1": {"token": "local-supervisor-token", "role": "supervisor"},
    "compliance-1": {"token": "local-compliance-token", "role": "compliance"},
}


#: Signs the console's session cookies in a local stack (never a production value).
LOCAL_CONSOLE_SECRET: Final = "local-console-session-secret"  # noqa: S105 - a local-only value


def desk_env(prefix: str, audit_port: int) -> dict[str, str]:
    """The desk's settings in a local stack: its people's configured tokens (the local
    identity provider's come with :func:`identity_env`) and the audit service it links to."""
    env = {
        prefix + "API_TOKENS": json.dumps(LOCAL_DESK_TOKENS),
        prefix + "AUDIT_URL": f"http://127.0.0.1:{audit_port}",
        prefix + "GAUGE_INTERVAL_S": "5",
    }
    return env


def audit_env(prefix: str, workdir: Path, desk_port: int) -> dict[str, str]:
    """The audit service's settings in a local stack: its witness file, a self-check each
    minute, and the desk whose case grants it takes (their keys at the desk's JWKS)."""
    return {
        prefix + "WITNESS_PATH": str(workdir / "audit-witness" / "checkpoint"),
        prefix + "SELF_CHECK_INTERVAL_S": "60",
        prefix + "DESK_JWKS_URL": f"http://127.0.0.1:{desk_port}/.well-known/jwks.json",
    }


def identity_env(prefix: str, identity_url: str | None) -> dict[str, str]:
    """A service's sign-in by the local identity provider, when one runs (the desk, the
    notifier's pre-call gate and the audit API take the same tokens)."""
    if not identity_url:
        return {}
    return {prefix + "JWKS_URL": f"{identity_url}/jwks.json", prefix + "JWT_ISSUER": identity_url}


def console_env(
    prefix: str, identity_url: str | None, notifier_port: int, gate_token: str
) -> dict[str, str]:
    """The desk's console in a local stack: sign-in at the local identity provider (the
    authorization-code flow), cookies over http://127.0.0.1, the notifier's pre-call gate
    (with the dialler's token)."""
    env = {
        prefix + "CONSOLE_SESSION_SECRET": LOCAL_CONSOLE_SECRET,
        prefix + "CONSOLE_SECURE_COOKIES": "false",
        prefix + "NOTIFIER_URL": f"http://127.0.0.1:{notifier_port}",
        prefix + "NOTIFIER_TOKEN": gate_token,
    }
    if identity_url:
        env[prefix + "OIDC_AUTHORIZE_URL"] = f"{identity_url}/authorize"
        env[prefix + "OIDC_TOKEN_URL"] = f"{identity_url}/oauth/token"
    return env
