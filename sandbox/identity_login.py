"""The local identity provider's sign-in for the desk's console: the OIDC authorization-code
flow with PKCE (OpenID Connect Core 1.0 section 3.1, RFC 7636), as a bank's IdP runs it.

    GET  /authorize?response_type=code&client_id&redirect_uri&state&nonce&code_challenge
         &code_challenge_method=S256          a page to choose who signs in (no password:
                                              this provider is for make run and the tests)
    POST /authorize                           -> 303 redirect_uri?code&state
    POST /oauth/token  grant_type=authorization_code&code&redirect_uri&client_id&code_verifier
                                              -> {"id_token", "access_token", ...}

A code is good once, for a minute, for the client, redirect URI and PKCE verifier it was
issued to.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import secrets
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlencode

from aiohttp import web

if TYPE_CHECKING:
    from sandbox.identity import IdentityProvider

CODE_TTL_S: Final = 60
_CARRIED: Final = ("client_id", "redirect_uri", "state", "nonce", "code_challenge")


@dataclass(frozen=True)
class Grant:
    sub: str
    roles: list[str]
    team: str | None
    client_id: str
    redirect_uri: str
    nonce: str
    challenge: str
    expires: float


def _page(query: dict[str, str]) -> str:
    hidden = "".join(
        f'<input type="hidden" name="{k}" value="{html.escape(query.get(k, ""))}">'
        for k in _CARRIED
    )
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>本地身份认证 Local identity provider</title></head><body>
<h1>本地身份认证 Local identity provider</h1>
<p>仅用于本地运行与测试 For make run and the tests only: no password.</p>
<form method="post" action="/authorize">{hidden}
<p><label for="sub">人员编号 Person id</label>
<input id="sub" name="sub" value="agent-1" required></p>
<p><label for="role">角色 Role</label> <select id="role" name="role">
<option value="agent">agent</option><option value="supervisor">supervisor</option>
<option value="compliance">compliance</option></select></p>
<p><label for="team">团队 Team</label> <select id="team" name="team">
<option value="collections">collections</option><option value="field">field</option>
<option value="">—</option></select></p>
<p><button type="submit" id="idp-sign-in">登录 Sign in</button></p>
</form></body></html>"""


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class Login:
    """The provider's authorization and token endpoints, and the codes between them."""

    def __init__(self, provider: IdentityProvider) -> None:
        self.provider = provider
        self.codes: dict[str, Grant] = {}

    async def authorize_page(self, request: web.Request) -> web.Response:
        query = dict(request.query)
        if query.get("response_type") != "code" or query.get("code_challenge_method") != "S256":
            raise web.HTTPBadRequest(text="response_type=code and S256 PKCE are required")
        if not all(query.get(k) for k in _CARRIED):
            raise web.HTTPBadRequest(text=f"{', '.join(_CARRIED)} are required")
        return web.Response(text=_page(query), content_type="text/html")

    async def authorize(self, request: web.Request) -> web.Response:
        form = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
        code = secrets.token_urlsafe(24)
        self.codes[code] = Grant(
            sub=form["sub"],
            roles=[form.get("role", "agent")],
            team=form.get("team") or None,
            client_id=form["client_id"],
            redirect_uri=form["redirect_uri"],
            nonce=form["nonce"],
            challenge=form["code_challenge"],
            expires=time.monotonic() + CODE_TTL_S,
        )
        back = f"{form['redirect_uri']}?{urlencode({'code': code, 'state': form['state']})}"
        raise web.HTTPSeeOther(back)

    def _refuse(self, error: str) -> web.Response:
        return web.json_response({"error": error}, status=400)

    async def token(self, request: web.Request) -> web.Response:
        form = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
        if form.get("grant_type") != "authorization_code":
            return self._refuse("unsupported_grant_type")
        grant = self.codes.pop(form.get("code", ""), None)  # good once
        if grant is None or time.monotonic() >= grant.expires:
            return self._refuse("invalid_grant")
        presented = _challenge(form.get("code_verifier", ""))
        matches = (form.get("client_id"), form.get("redirect_uri")) == (
            grant.client_id,
            grant.redirect_uri,
        )
        if not matches or not hmac.compare_digest(presented, grant.challenge):
            return self._refuse("invalid_grant")
        claims: dict[str, Any] = {"aud": grant.client_id, "nonce": grant.nonce}
        token = self.provider.token(grant.sub, grant.roles, grant.team, expires_in=300, **claims)
        body = {"id_token": token, "access_token": token, "token_type": "Bearer"}
        return web.json_response({**body, "expires_in": 300})

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/authorize", self.authorize_page)
        app.router.add_post("/authorize", self.authorize)
        app.router.add_post("/oauth/token", self.token)
