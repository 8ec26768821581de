"""Bearer tokens, one per person: who is calling, with their role and team."""

from __future__ import annotations

import hmac
from collections.abc import Mapping

from aiohttp import web

from services.desk.domain.access import Person
from services.desk.metrics import AUTH_REFUSALS
from services.desk.settings import ApiToken


def person(request: web.Request, tokens: Mapping[str, ApiToken]) -> Person:
    """The person calling, from ``Authorization: Bearer <token>``.

    :raises web.HTTPUnauthorized: no token, a malformed header, or a token of nobody.
    """
    header = request.headers.get("Authorization")
    if header is None:
        raise refuse(web.HTTPUnauthorized, "a bearer token is required")
    scheme, _, presented = header.partition(" ")
    if scheme.lower() != "bearer" or not presented:
        raise refuse(web.HTTPUnauthorized, "malformed Authorization header")
    found = None
    for name, token in tokens.items():
        # Compare against every token, so the time taken says nothing about which matched.
        if hmac.compare_digest(presented.encode(), token.token.get_secret_value().encode()):
            found = Person(id=name, role=token.role, team=token.team)
    if found is None:
        raise refuse(web.HTTPUnauthorized, "unknown token")
    return found


def refuse(kind: type[web.HTTPException], reason: str) -> web.HTTPException:
    AUTH_REFUSALS.labels(str(kind.status_code)).inc()
    headers = {"WWW-Authenticate": 'Bearer realm="dunwell-desk"'}
    return kind(reason=reason, headers=headers if kind is web.HTTPUnauthorized else None)
