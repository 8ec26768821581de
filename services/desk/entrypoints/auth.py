"""Who is calling: a bearer JWT of the bank's identity provider, or (a development option) one
of the tokens configured per person."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass

from aiohttp import web

from services.desk.domain.access import NotAllowed, Person
from services.desk.domain.identity import person_of
from services.desk.metrics import AUTH_REFUSALS
from services.desk.settings import ApiToken
from shared.identity import InvalidCredentials, KeySet, TokenRules, bearer, token_claims


@dataclass(frozen=True)
class SignIn:
    """How people sign in: the provider's keys and rules (if any), and configured tokens."""

    keys: KeySet | None
    rules: TokenRules
    tokens: Mapping[str, ApiToken]


def _configured(presented: str, tokens: Mapping[str, ApiToken]) -> Person | None:
    found = None
    for name, token in tokens.items():
        # Compare against every token, so the time taken says nothing about which matched.
        if hmac.compare_digest(presented.encode(), token.token.get_secret_value().encode()):
            found = Person(id=name, role=token.role, team=token.team)
    return found


async def _identify(request: web.Request, sign_in: SignIn) -> Person:
    presented = bearer(request.headers.get("Authorization"))
    configured = _configured(presented, sign_in.tokens)
    if configured is not None:
        return configured
    return person_of(await token_claims(presented, sign_in.keys, sign_in.rules))


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
