"""People signed in by the bank's identity provider, as every Dunwell API takes them: a bearer
JWT verified against the provider's published keys (its JWKS).

Checked, in order: the header names a key the provider publishes (else 401), the signature
with an algorithm allowed here (never ``none``, never one the key was not made for), the
issuer, the audience, expiry and issue time (with a small leeway for clock skew), a subject
that is a well-formed person id. What the roles mean is each service's own rule: this module
only hands over the verified subject, roles and team.

One token can serve the desk, the notifier and the audit service: the provider names each
service's audience in its ``aud`` list (RFC 7519 section 4.1.3), and each service takes only
tokens naming its own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal, Protocol

import jwt
from pydantic import BaseModel, Field

from shared.errors import ServiceError

_ID: Final = re.compile(r"^[\w.:|\-]{1,128}$")
_TEAM: Final = re.compile(r"^[a-z][a-z0-9-]{0,39}$")


class InvalidCredentials(ServiceError):
    """No valid credentials: missing, malformed, unknown key, bad signature, expired (401)."""


@dataclass(frozen=True)
class TokenRules:
    """What a token must say to be taken."""

    issuer: str
    audience: str
    algorithms: tuple[str, ...] = ("ES256", "RS256")
    roles_claim: str = "roles"
    team_claim: str = "team"
    leeway_s: int = 30


@dataclass(frozen=True)
class Claims:
    """The verified person: their id (``sub``), roles, and team when the token names a
    well-formed one."""

    subject: str
    roles: frozenset[str]
    team: str | None


class KeySet(Protocol):
    """The identity provider's published signing keys (its JWKS)."""

    async def key(self, kid: str | None) -> jwt.PyJWK | None:
        """The key of that id (a key set of one key also answers for no id); None if the
        provider publishes no such key, even after looking again."""
        ...


class JwtSignIn(BaseModel):
    """A service's settings for sign-in by the bank's identity provider: its JWKS URL (none:
    only the service's configured tokens, a development option), the issuer and audience its
    tokens must carry, the claims naming roles and team."""

    jwks_url: str | None = None
    jwt_issuer: str = ""
    jwt_audience: str = ""
    jwt_algorithms: tuple[Literal["ES256", "RS256", "PS256", "EdDSA"], ...] = ("ES256", "RS256")
    jwt_roles_claim: str = "roles"
    jwt_team_claim: str = "team"
    jwt_leeway_s: int = Field(default=30, ge=0, le=300)
    jwks_refresh_s: float = Field(default=300.0, gt=0)

    def check_issuer(self) -> None:
        """:raises ValueError: a JWKS without an issuer (tokens of any issuer would pass)."""
        if self.jwks_url and not self.jwt_issuer:
            raise ValueError("JWKS_URL needs JWT_ISSUER: tokens of any issuer would pass")

    def token_rules(self) -> TokenRules:
        return TokenRules(
            issuer=self.jwt_issuer,
            audience=self.jwt_audience,
            algorithms=self.jwt_algorithms,
            roles_claim=self.jwt_roles_claim,
            team_claim=self.jwt_team_claim,
            leeway_s=self.jwt_leeway_s,
        )


def bearer(header: str | None) -> str:
    """The token of an ``Authorization: Bearer <token>`` header.

    :raises InvalidCredentials: no header, or not a bearer token.
    """
    if header is None:
        raise InvalidCredentials("a bearer token is required")
    scheme, _, presented = header.partition(" ")
    if scheme.lower() != "bearer" or not presented.strip():
        raise InvalidCredentials("malformed Authorization header")
    return presented.strip()


def looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2


def key_id(token: str) -> str | None:
    """The ``kid`` of a token's header, read before anything is verified."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError as e:
        raise InvalidCredentials(f"malformed token: {type(e).__name__}") from None
    kid = header.get("kid")
    return kid if isinstance(kid, str) else None


def verified_claims(token: str, key: jwt.PyJWK, rules: TokenRules) -> Claims:
    """The person a token names, once its signature and claims hold.

    :param token: the compact JWT.
    :param key: the provider's key that the token's header names.
    :param rules: issuer, audience, algorithms and claim names.
    :raises InvalidCredentials: anything wrong with the token itself.
    """
    if key.algorithm_name not in rules.algorithms:
        raise InvalidCredentials("the signing key's algorithm is not allowed")
    try:
        claims = jwt.decode(
            token,
            key=key,
            algorithms=[key.algorithm_name],
            audience=rules.audience,
            issuer=rules.issuer,
            leeway=rules.leeway_s,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )
    except jwt.ExpiredSignatureError:
        raise InvalidCredentials("the token has expired") from None
    except jwt.InvalidTokenError as e:
        raise InvalidCredentials(f"invalid token: {type(e).__name__}") from None
    return claims_of(claims, rules)


def claims_of(claims: Mapping[str, Any], rules: TokenRules) -> Claims:
    """Subject, roles and team of verified claims."""
    subject = claims.get("sub")
    if not isinstance(subject, str) or not _ID.match(subject):
        raise InvalidCredentials("the token's subject is not a person id")
    roles = claims.get(rules.roles_claim)
    listed = roles if isinstance(roles, list) else [roles] if isinstance(roles, str) else []
    team = claims.get(rules.team_claim)
    return Claims(
        subject=subject,
        roles=frozenset(r for r in listed if isinstance(r, str)),
        team=team if isinstance(team, str) and _TEAM.match(team) else None,
    )


async def token_claims(token: str, keys: KeySet | None, rules: TokenRules) -> Claims:
    """The verified claims of a presented JWT, its key looked up in ``keys``.

    :raises InvalidCredentials: no identity provider configured, an unknown key, or a token
        that does not hold.
    """
    if keys is None or not looks_like_jwt(token):
        raise InvalidCredentials("unknown token")
    key = await keys.key(key_id(token))
    if key is None:
        raise InvalidCredentials("the token's signing key is not the identity provider's")
    return verified_claims(token, key, rules)
