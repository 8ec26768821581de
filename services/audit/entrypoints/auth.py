"""Bearer tokens with roles, and a per-client rate limit for the public page."""

from __future__ import annotations

import hmac
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from aiohttp import web

from services.audit.metrics import AUTH_REFUSALS
from services.audit.settings import ApiToken, Role


@dataclass(frozen=True)
class Caller:
    name: str
    role: Role


def caller(request: web.Request, tokens: Mapping[str, ApiToken]) -> Caller | None:
    """Who is calling, from ``Authorization: Bearer <token>``; None when no token is given.

    :raises web.HTTPUnauthorized: a token that matches nobody.
    """
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, presented = header.partition(" ")
    if scheme.lower() != "bearer" or not presented:
        raise _refuse(web.HTTPUnauthorized, "malformed Authorization header")
    for name, token in tokens.items():
        if hmac.compare_digest(presented.encode(), token.token.get_secret_value().encode()):
            return Caller(name, token.role)
    raise _refuse(web.HTTPUnauthorized, "unknown token")


def require(request: web.Request, tokens: Mapping[str, ApiToken], role: Role) -> Caller:
    """The caller, who must hold ``role``: 401 without a valid token, 403 with another role."""
    who = caller(request, tokens)
    if who is None:
        raise _refuse(web.HTTPUnauthorized, "a bearer token is required")
    if who.role != role:
        raise _refuse(web.HTTPForbidden, f"this needs the {role} role")
    return who


def _refuse(kind: type[web.HTTPException], reason: str) -> web.HTTPException:
    AUTH_REFUSALS.labels(str(kind.status_code)).inc()
    headers = {"WWW-Authenticate": 'Bearer realm="dunwell-audit"'}
    return kind(reason=reason, headers=headers if kind is web.HTTPUnauthorized else None)


@dataclass
class RateLimit:
    """A token bucket per client address: ``per_minute`` lookups, refilled continuously."""

    per_minute: int
    buckets: dict[str, tuple[float, float]] = field(default_factory=dict)

    def allow(self, client: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        tokens, last = self.buckets.get(client, (float(self.per_minute), now))
        tokens = min(float(self.per_minute), tokens + (now - last) * self.per_minute / 60)
        if len(self.buckets) > 100_000:  # bound memory under a flood of addresses
            self.buckets.clear()
        if tokens < 1:
            self.buckets[client] = (tokens, now)
            return False
        self.buckets[client] = (tokens - 1, now)
        return True
