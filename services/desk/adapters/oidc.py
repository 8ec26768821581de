"""The identity provider's token endpoint over HTTP: an authorization code (with its PKCE
verifier) exchanged for an ID token (OpenID Connect Core 1.0 section 3.1.3, RFC 7636)."""

from __future__ import annotations

import aiohttp

from shared.errors import RetryableError
from shared.identity import InvalidCredentials


class HttpCodeExchange:
    """:class:`~services.desk.ports.CodeExchange` at ``token_url``, as the confidential
    client ``client_id`` (HTTP basic authentication with its secret, when it has one)."""

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str | None,
        session: aiohttp.ClientSession,
    ) -> None:
        self._url, self._client_id, self._session = token_url, client_id, session
        self._auth = aiohttp.BasicAuth(client_id, client_secret) if client_secret else None

    async def id_token(self, code: str, redirect_uri: str, verifier: str) -> str:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": self._client_id,
            "code_verifier": verifier,
        }
        try:
            async with self._session.post(self._url, data=form, auth=self._auth) as response:
                if response.status >= 500:
                    raise RetryableError(f"the identity provider answered {response.status}")
                body = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as e:
            raise RetryableError(f"identity provider unreachable: {type(e).__name__}") from e
        if response.status != 200 or not isinstance(body, dict):
            error = body.get("error") if isinstance(body, dict) else None
            raise InvalidCredentials(f"the identity provider refused the code: {error}")
        token = body.get("id_token")
        if not isinstance(token, str):
            raise InvalidCredentials("the identity provider gave no ID token")
        return token
