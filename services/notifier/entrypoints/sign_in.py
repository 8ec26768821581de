"""Who calls the notifier's own APIs (``/v1/calls``, ``/v1/contacts``): a bearer JWT of the
bank's identity provider (the same tokens the desk and the audit service take), or the
configured token of the dialler and agencies (systems with no person behind them, and a
development option)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Final

from aiohttp import web

from services.notifier.domain.inbound import same
from shared.identity import InvalidCredentials, KeySet, TokenRules, bearer, token_claims

#: The identity provider's roles that may ask the pre-call gate and report contacts.
PEOPLE: Final = frozenset({"agent", "supervisor"})
SYSTEMS: Final = frozenset({"dialler", "agency"})


@dataclass(frozen=True)
class SignIn:
    """The configured token (empty: none), and the identity provider's keys (if any)."""

    token: str = ""
    keys: KeySet | None = None
    rules: TokenRules = field(default_factory=lambda: TokenRules(issuer="", audience=""))


@dataclass(frozen=True)
class Caller:
    #: The signed-in person's id; None for a system (the dialler, an agency), which names the
    #: agent it dials for in the request.
    person: str | None


def _error(status: type[web.HTTPException], why: str) -> web.HTTPException:
    headers = {"WWW-Authenticate": 'Bearer realm="dunwell-notifier"'}
    return status(
        text=json.dumps({"error": why}),
        content_type="application/json",
        headers=headers if status is web.HTTPUnauthorized else None,
    )


async def caller(request: web.Request, sign_in: SignIn) -> Caller:
    """The caller.

    :raises web.HTTPUnauthorized: no credentials, or credentials that do not hold.
    :raises web.HTTPForbidden: a valid token with no role here.
    """
    try:
        presented = bearer(request.headers.get("Authorization"))
        if sign_in.token and same(presented, sign_in.token):
            return Caller(person=None)
        claims = await token_claims(presented, sign_in.keys, sign_in.rules)
    except InvalidCredentials as e:
        raise _error(web.HTTPUnauthorized, str(e)) from None
    if claims.roles & PEOPLE:
        return Caller(person=claims.subject)
    if claims.roles & SYSTEMS:
        return Caller(person=None)
    raise _error(web.HTTPForbidden, "the token carries no role for calls or contacts")


def check_agent(who: Caller, agent_id: str) -> None:
    """A signed-in person speaks only for themselves.

    :raises web.HTTPForbidden: the request names another agent.
    """
    if who.person is not None and who.person != agent_id:
        raise _error(web.HTTPForbidden, "agent_id must be the signed-in person's id")
