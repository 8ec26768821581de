"""The desk's console for tests: the sandbox identity provider served locally, a person signed
in through it (the real authorization-code flow), and a page's form fields."""

from __future__ import annotations

import re
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from sandbox.identity import IdentityProvider
from services.desk.adapters.oidc import HttpCodeExchange
from services.desk.bootstrap import Deps, memory_deps
from services.desk.domain.i18n import CATALOGUES
from services.desk.settings import Settings
from shared.jwks import StaticKeySet

ZH, EN = CATALOGUES["zh-CN"], CATALOGUES["en"]  # every catalogue part merged

Client = TestClient[web.Request, web.Application]
SECRET = "console-test-secret-0123456789abcdef"  # noqa: S105 (a test value)


async def serve_provider(provider: IdentityProvider) -> TestServer:
    """The provider on a local port, its issuer unchanged."""
    server = TestServer(provider.app())
    await server.start_server()
    return server


def console_settings(idp: TestServer, issuer: str, **extra: Any) -> Settings:
    """The desk with its console signing people in at the identity provider served at ``idp``
    (issuer ``issuer``), its cookies over plain http."""
    return Settings(
        jwks_url=str(idp.make_url("/jwks.json")),
        jwt_issuer=issuer,
        oidc_authorize_url=str(idp.make_url("/authorize")),
        oidc_token_url=str(idp.make_url("/oauth/token")),
        console_session_secret=SECRET,
        console_secure_cookies=False,
        **extra,
    )


def console_deps(
    provider: IdentityProvider,
    settings: Settings,
    session: aiohttp.ClientSession,
    **overrides: Any,
) -> Deps:
    """Memory deps whose sign-in goes through ``provider``: its keys, its token endpoint."""
    return memory_deps(
        keys=StaticKeySet(provider.jwks()),
        code_exchange=HttpCodeExchange(
            settings.oidc_token_url or "", "dunwell-desk", None, session
        ),
        **overrides,
    )


def fields(page: str, form_id: str | None = None) -> dict[str, str]:
    """The named inputs' values of a page's form (``form_id``: that form's only)."""
    if form_id is not None:
        found = re.search(rf'<form[^>]*id="{form_id}".*?</form>', page, re.S)
        assert found, f"no form {form_id}"
        page = found.group(0)
    values = {}
    for tag in re.findall(r"<input[^>]*>", page):
        name = re.search(r'name="([^"]*)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            values[name.group(1)] = unescape(value.group(1)) if value else ""
    return values


async def sign_in(
    http: Client,
    provider: TestServer,
    sub: str,
    role: str = "agent",
    team: str = "collections",
    next_path: str = "/console/tasks",
) -> str:
    """Sign ``sub`` in through the provider; the page the console sends them to."""
    start = await http.get(
        "/console/sign-in/start", params={"next": next_path}, allow_redirects=False
    )
    assert start.status == 303, await start.text()
    authorize = urlsplit(start.headers["Location"])
    query = {k: v[0] for k, v in parse_qs(authorize.query).items()}
    async with aiohttp.ClientSession() as idp:
        async with idp.get(provider.make_url("/authorize"), params=query) as shown:
            assert shown.status == 200, await shown.text()
            page = await shown.text()
        chosen = {**fields(page), "sub": sub, "role": role, "team": team}
        async with idp.post(
            provider.make_url("/authorize"), data=chosen, allow_redirects=False
        ) as back:
            assert back.status == 303
            callback = urlsplit(back.headers["Location"])
    landed = await http.get(f"{callback.path}?{callback.query}", allow_redirects=False)
    assert landed.status == 303, await landed.text()
    return landed.headers["Location"]


def english_keys_or_words(page: str) -> list[str]:
    """Catalogue keys, or English words of the catalogue, showing on a page."""
    text = re.sub(r"<[^>]+>", " ", page)
    shown = [key for key in ZH if re.search(rf"(?<![\w.]){re.escape(key)}(?![\w.])", text)]
    english = {v for k, v in EN.items() if v != ZH[k] and " " in v and "{" not in v}
    return shown + sorted(w for w in english if w in text)
