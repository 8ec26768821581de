"""Who is calling: a bearer JWT of the bank's identity provider, or (a development option) one
of the tokens configured per person."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass

from aiohttp import web

from services.desk.domain.access import NotAllowed, Person
from services.desk.domain.identity import InvalidCredentials, TokenRules, key_id, verify
from services.desk.metrics import AUTH_REFUSALS
from services.desk.ports import KeySet
from services.desk.settings import ApiToken


@dataclass(frozen=True)
class SignIn:
    """How people sign in: the provider's keys and rules (if any), and configured tokens."""

    keys: KeySet | None
    rules: TokenRules
    tokens: Mapping[str, ApiToken]


def _bearer(request: web.Request) -> str:
    header = request.headers.get("Authorization")
    if header is None:
        raise InvalidCredentials("a bearer token is required")
    scheme, _, presented = header.partition(" ")
    if scheme.lower() != "bearer" or not presented.strip():
        raise InvalidCredentials("malformed Authorization header")
    return presented.strip()


def _configured(presented: str, tokens: Mapping[str, ApiToken]) -> Person | None:
    found = None
    for name, token in tokens.items():
        # Compare against every token, so the time taken says nothing about which matched.
        if hmac.compare_digest(presented.encode(), token.token.get_secret_value().encode()):
            found = Person(id=name, role=token.role, team=token.team)
    return found


async def _identify(request: web.Request, sign_in: SignIn) -> Person:
    presented = _bearer(request)
    configured = _configured(presented, sign_in.tokens)
    if configured is not None:
        return configured
    if sign_in.keys is None or presented.count(".") != 2:
        raise InvalidCredentials("unknown token")
    key = await sign_in.keys.key(key_id(presented))
    if key is None:
        raise InvalidCredentials("the token's signing key is not the identity provider's")
    return verify(presented, key, sign_in.rules)


async def person(request: web.Request, sign_in: SignIn) -> Person:
    """The person calling.

    :raises web.HTTPUnauthorized: no credentials, or credentials that do not hold.
    :raises web.HTTPForbidden: a valid token that gives no role in the desk.
    """
    try:
        return await _identify(request, sign_in)
    except InvalidCredentials as e:
        raise refuse(web.HTTPUnauthorized, str(e)) from None
    except NotAllowed as e:
        raise refuse(web.HTTPForbidden, str(e)) from None


def refuse(kind: type[web.HTTPException], reason: str) -> web.HTTPException:
    AUTH_REFUSALS.labels(str(kind.status_code)).inc()
    headers = {"WWW-Authenticate": 'Bearer realm="dunwell-desk"'}
    return kind(reason=reason, headers=headers if kind is web.HTTPUnauthorized else None)
