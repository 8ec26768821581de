"""The local identity provider: tokens PyJWT verifies against its published keys, over HTTP;
and the desk's settings in a local stack."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import jwt
import pytest

from sandbox.identity import AUDIENCES, BackgroundIdentity
from sandbox.stack import StackConfig


async def _issue(url: str) -> tuple[str, dict[str, object]]:
    async with aiohttp.ClientSession() as session:
        body = {"sub": "agent-5", "roles": ["agent"], "team": "field", "expires_in": 60}
        async with session.post(f"{url}/token", json=body) as response:
            token = (await response.json())["access_token"]
        async with session.get(f"{url}/jwks.json") as response:
            keys = await response.json()
        async with session.get(f"{url}/.well-known/openid-configuration") as response:
            assert (await response.json())["jwks_uri"] == f"{url}/jwks.json"
    return token, keys


def test_a_token_from_the_local_provider_verifies_with_its_published_key() -> None:
    identity = BackgroundIdentity().start()
    try:
        token, keys = asyncio.run(_issue(identity.url))
    finally:
        identity.stop()
    key = jwt.PyJWKSet.from_dict(keys)["local-1"]
    claims = jwt.decode(
        token, key=key, algorithms=["ES256"], audience=AUDIENCES[0], issuer=identity.url
    )
    assert (claims["sub"], claims["roles"], claims["team"]) == ("agent-5", ["agent"], "field")
    assert claims["exp"] - claims["iat"] == 60


@pytest.mark.parametrize("service", ["desk", "notifier", "audit"])
def test_a_stack_points_each_api_at_the_provider_when_there_is_one(
    tmp_path: Path, service: str
) -> None:
    prefix = f"DUNWELL_{service.upper()}_"
    config = StackConfig(bootstrap_servers="b:1", workdir=tmp_path, smtp_port=1)
    assert prefix + "JWKS_URL" not in config.env(service)
    with_idp = StackConfig(
        bootstrap_servers="b:1",
        workdir=tmp_path,
        smtp_port=1,
        identity_url="http://127.0.0.1:8091",
    ).env(service)
    assert with_idp[prefix + "JWKS_URL"] == "http://127.0.0.1:8091/jwks.json"
    assert with_idp[prefix + "JWT_ISSUER"] == "http://127.0.0.1:8091"


def test_the_desk_runs_on_the_notifiers_clock(tmp_path: Path) -> None:
    config = StackConfig(bootstrap_servers="b:1", workdir=tmp_path, smtp_port=1)
    assert config.env("desk")["DUNWELL_DESK_CLOCK_START"] == config.notifier_clock_start
