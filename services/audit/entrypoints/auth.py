"""Who is calling: a bearer JWT of the bank's identity provider (the same tokens the desk
takes), or (a development option) one of the configured tokens; and a per-client rate limit
for the public page."""

from __future__ import annotations

import hmac
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from aiohttp import web

from services.audit.metrics import AUTH_REFUSALS
from services.audit.settings import ApiToken, Role
from shared.case_grants import is_grant, read_grant
from shared.identity import InvalidCredentials, KeySet, TokenRules, bearer, token_claims

#: The identity provider's roles that give each audit role: the desk's agents and
#: supervisors record calls and visits; only auditors and compliance officers read the
#: decrypted timeline and export.
GRANTED_BY: Final[Mapping[Role, frozenset[str]]] = {
    "agent": frozenset({"agent", "supervisor"}),
    "auditor": frozenset({"auditor", "compliance"}),
}


@dataclass(frozen=True)
class Caller:
    #: The person's id (a JWT's subject) or the configured token's name: what the log records.
    name: str
    role: Role


@dataclass(frozen=True)
class SignIn:
    """How callers sign in: configured tokens, and the identity provider's keys (if any)."""

    tokens: Mapping[str, ApiToken]
    keys: KeySet | None = None
    rules: TokenRules = field(default_factory=lambda: TokenRules(issuer="", audience=""))
    #: The desk's keys, for its case grants (None: no grants taken).
    grant_keys: KeySet | None = None


def _configured(presented: str, tokens: Mapping[str, ApiToken]) -> Caller | None:
    found = None
    for name, token in tokens.items():
        # Compare against every token, so the time taken says nothing about which matched.
        if hmac.compare_digest(presented.encode(), token.token.get_secret_value().encode()):
            found = Caller(name, token.role)
    return found


async def _identify(request: web.Request, sign_in: SignIn, role: Role) -> Caller:
    presented = bearer(request.headers.get("Authorization"))
    configured = _configured(presented, sign_in.tokens)
    if configured is not None:
        if configured.role != role:
            raise PermissionError(role)
        return configured
    claims = await token_claims(presented, sign_in.keys, sign_in.rules)
    if not claims.roles & GRANTED_BY[role]:
        raise PermissionError(role)
    return Caller(claims.subject, role)


async def require(request: web.Request, sign_in: SignIn, role: Role) -> Caller:
    """The caller, who must hold ``role``: 401 without valid credentials, 403 without the role."""
    try:
        return await _identify(request, sign_in, role)
    except InvalidCredentials as e:
        raise _refuse(web.HTTPUnauthorized, str(e)) from None
    except PermissionError:
        raise _refuse(web.HTTPForbidden, f"this needs the {role} role") from None


async def require_case_reader(
    request: web.Request, sign_in: SignIn, query: Mapping[str, str]
) -> Caller:
    """An auditor, or the person a desk's case grant names, asking for that one loan alone
    (``loan_id`` the grant's, no ``debtor_id`` or ``kind``): 401 for a grant that does not hold,
    403 for a question wider than it."""
    try:
        token = bearer(request.headers.get("Authorization"))
        if not is_grant(token):
            return await require(request, sign_in, "auditor")
        grant = await read_grant(token, sign_in.grant_keys)
    except InvalidCredentials as e:
        raise _refuse(web.HTTPUnauthorized, str(e)) from None
    if query.get("loan_id") != grant.loan_id or query.get("debtor_id") or query.get("kind"):
        raise _refuse(web.HTTPForbidden, "a case grant reads its own loan's timeline only")
    return Caller(grant.person, "agent")


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
