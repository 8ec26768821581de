"""A local identity provider: the bank's IdP as the desk sees it (a JWKS and signed JWTs).

It signs ES256 tokens with its own few lines over ``cryptography`` (RFC 7515 compact
serialisation, RFC 7518 section 3.4 signatures as R || S), never with the desk's JWT library,
so a regression in the desk's verification shows here. ``POST /token`` issues a token for any
person the caller names: it is for ``make run`` and the tests only.

    GET  /.well-known/openid-configuration   issuer and jwks_uri
    GET  /jwks.json                          the public keys
    POST /token {"sub", "roles", "team"?, "expires_in"?}  ->  {"access_token": ...}
    GET|POST /authorize, POST /oauth/token   the console's sign-in (sandbox.identity_login)
"""

from __future__ import annotations

import asyncio
import base64
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Final

from aiohttp import web
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from sandbox.identity_login import Login

#: Every Dunwell API a person's token is for: one token works at the desk, the notifier's
#: pre-call gate and the audit service, each of which takes only tokens naming its own.
AUDIENCES: Final = ("dunwell-desk", "dunwell-notifier", "dunwell-audit")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class SigningKey:
    """One P-256 key with its key id."""

    kid: str
    private: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )

    def jwk(self) -> dict[str, str]:
        numbers = self.private.public_key().public_numbers()
        return {
            "kty": "EC",
            "crv": "P-256",
            "kid": self.kid,
            "use": "sig",
            "alg": "ES256",
            "x": _b64(numbers.x.to_bytes(32, "big")),
            "y": _b64(numbers.y.to_bytes(32, "big")),
        }

    def sign(self, claims: dict[str, Any], header: dict[str, Any] | None = None) -> str:
        """A compact JWS of ``claims``."""
        head = {"alg": "ES256", "typ": "JWT", "kid": self.kid, **(header or {})}
        signing_input = ".".join(
            _b64(json.dumps(part, separators=(",", ":")).encode()) for part in (head, claims)
        )
        der = self.private.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        return f"{signing_input}.{_b64(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


class IdentityProvider:
    """The IdP's keys and its tokens; :meth:`app` serves them over HTTP."""

    def __init__(self, issuer: str = "", audience: str | tuple[str, ...] = AUDIENCES) -> None:
        self.key = SigningKey("local-1")
        self.issuer = issuer
        self.audience = audience
        self.login = Login(self)

    def token(
        self,
        sub: str,
        roles: list[str],
        team: str | None = None,
        *,
        expires_in: int = 3600,
        **extra: Any,
    ) -> str:
        """A token for ``sub`` with its roles (and team), valid ``expires_in`` seconds."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience if isinstance(self.audience, str) else list(self.audience),
            "sub": sub,
            "iat": now,
            "exp": now + expires_in,
            "roles": roles,
            **({"team": team} if team else {}),
            **extra,
        }
        return self.key.sign(claims)

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.key.jwk()]}

    def app(self) -> web.Application:
        app = web.Application()

        async def configuration(_: web.Request) -> web.Response:
            return web.json_response(
                {
                    "issuer": self.issuer,
                    "jwks_uri": f"{self.issuer}/jwks.json",
                    "authorization_endpoint": f"{self.issuer}/authorize",
                    "token_endpoint": f"{self.issuer}/oauth/token",
                }
            )

        async def jwks(_: web.Request) -> web.Response:
            return web.json_response(self.jwks())

        async def token(request: web.Request) -> web.Response:
            body = await request.json()
            issued = self.token(
                str(body["sub"]),
                list(body.get("roles", [])),
                body.get("team"),
                expires_in=int(body.get("expires_in", 3600)),
            )
            return web.json_response({"access_token": issued, "token_type": "Bearer"})

        app.router.add_get("/.well-known/openid-configuration", configuration)
        app.router.add_get("/jwks.json", jwks)
        app.router.add_post("/token", token)
        self.login.add_routes(app)
        return app


class BackgroundIdentity:
    """The identity provider on its own thread and event loop (``make run``, the e2e stack)."""

    def __init__(self, port: int = 0, host: str = "127.0.0.1") -> None:
        self._host, self._port = host, port
        self.provider = IdentityProvider()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return self.provider.issuer

    def start(self) -> BackgroundIdentity:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    async def _start(self) -> None:
        self._runner = web.AppRunner(self.provider.app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        port = self._runner.addresses[0][1]
        self.provider.issuer = f"http://{self._host}:{port}"

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()
