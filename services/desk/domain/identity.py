"""People signed in by the bank's identity provider: a bearer JWT verified against the
provider's published keys, its claims turned into a :class:`~services.desk.domain.access.Person`.

Checked, in order: the header names a key the provider publishes (else 401), the signature
with an algorithm allowed here (never ``none``, never one the key was not made for), the
issuer, the audience, expiry and issue time (with a small leeway for clock skew), a subject
that is a well-formed person id. Then the roles claim: ``supervisor``, ``compliance`` (a
compliance officer, who decides escalated sends) or ``agent`` (an authenticated person without
any is 403), and an agent's team claim.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import jwt

from services.desk.domain.access import NotAllowed, Person
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


def key_id(token: str) -> str | None:
    """The ``kid`` of a token's header, read before anything is verified."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError as e:
        raise InvalidCredentials(f"malformed token: {type(e).__name__}") from None
    kid = header.get("kid")
    return kid if isinstance(kid, str) else None


def verify(token: str, key: jwt.PyJWK, rules: TokenRules) -> Person:
    """The person a token names, once its signature and claims hold.

    :param token: the compact JWT.
    :param key: the provider's key that the token's header names.
    :param rules: issuer, audience, algorithms and claim names.
    :raises InvalidCredentials: anything wrong with the token itself.
    :raises NotAllowed: a valid token without a desk role (or an agent without a team).
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
    return person_of(claims, rules)


def person_of(claims: Mapping[str, Any], rules: TokenRules) -> Person:
    """The person, role and team of verified claims."""
    subject = claims.get("sub")
    if not isinstance(subject, str) or not _ID.match(subject):
        raise InvalidCredentials("the token's subject is not a person id")
    roles = claims.get(rules.roles_claim)
    roles = roles if isinstance(roles, list) else [roles] if isinstance(roles, str) else []
    if "supervisor" in roles:
        return Person(id=subject, role="supervisor")
    if "compliance" in roles:
        return Person(id=subject, role="compliance")
    if "agent" not in roles:
        raise NotAllowed("the token carries no desk role")
    team = claims.get(rules.team_claim)
    if not isinstance(team, str) or not _TEAM.match(team):
        raise NotAllowed("an agent's token must name their team")
    return Person(id=subject, role="agent", team=team)
