"""People for broker tests: bearer tokens issued by the sandbox identity provider over its own
HTTP API (as the bank's provider issues them), and tokens that must not hold."""

from __future__ import annotations

from typing import Any

import aiohttp

from sandbox.identity import IdentityProvider

Headers = dict[str, str]


def bearer(token: str) -> Headers:
    return {"Authorization": f"Bearer {token}"}


async def issued(
    identity_url: str, sub: str, *roles: str, team: str | None = None, expires_in: int = 3600
) -> Headers:
    """The Authorization header of ``sub``'s token from the provider at ``identity_url``.

    :param expires_in: seconds it holds (negative: already expired).
    """
    body: dict[str, Any] = {"sub": sub, "roles": list(roles), "expires_in": expires_in}
    if team is not None:
        body["team"] = team
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{identity_url}/token", json=body) as response,
    ):
        assert response.status == 200, await response.text()
        token = (await response.json())["access_token"]
    assert isinstance(token, str)
    return bearer(token)


def forged(issuer: str, sub: str, *roles: str, team: str | None = None) -> Headers:
    """A token naming ``issuer`` and the provider's key id, signed by another key."""
    return bearer(IdentityProvider(issuer=issuer).token(sub, list(roles), team))
