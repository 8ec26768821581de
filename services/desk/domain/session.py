"""The console's sessions: a signed cookie naming the person, its CSRF token and its ages.

The cookie is ``payload.signature``: the payload base64url JSON, the signature HMAC-SHA256 of
the payload under the desk's session secret. A session holds for ``max_age_s`` from sign-in
and ``idle_s`` from the last request; its synchroniser token must come back with every form
post. The same signing carries the short-lived sign-in state (OIDC ``state``, ``nonce`` and
PKCE verifier) between the redirect to the identity provider and its callback.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import asdict, dataclass, replace
from typing import Any

from services.desk.domain.access import Person, Role
from shared.errors import ServiceError

ROLES: tuple[Role, ...] = ("agent", "supervisor", "compliance")


class BadSession(ServiceError):
    """No session, a cookie that does not verify, or one that has expired."""


class CsrfRefused(ServiceError):
    """A form post without the session's CSRF token, or with another (HTTP 403)."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(payload: dict[str, Any], secret: bytes) -> str:
    """``payload`` as a cookie value only the holder of ``secret`` could have written."""
    body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
    mac = hmac.new(secret, body.encode(), hashlib.sha256).digest()
    return f"{body}.{_b64(mac)}"


def unsign(value: str, secret: bytes) -> dict[str, Any]:
    """The payload of a value :func:`sign` wrote. :raises BadSession: anything else."""
    body, _, mac = value.partition(".")
    expected = _b64(hmac.new(secret, body.encode(), hashlib.sha256).digest())
    if not mac or not hmac.compare_digest(mac, expected):
        raise BadSession("the session cookie does not verify")
    try:
        payload = json.loads(_unb64(body))
    except ValueError:
        raise BadSession("the session cookie is malformed") from None
    if not isinstance(payload, dict):
        raise BadSession("the session cookie is malformed")
    return payload


@dataclass(frozen=True)
class Session:
    """A signed-in person in the console."""

    sub: str
    role: Role
    team: str | None
    csrf: str
    #: When they signed in, and when they were last seen (epoch seconds).
    issued: int
    seen: int

    @classmethod
    def start(cls, person: Person, now: int) -> Session:
        token = secrets.token_urlsafe(32)
        return cls(person.id, person.role, person.team, token, now, now)

    @property
    def person(self) -> Person:
        return Person(id=self.sub, role=self.role, team=self.team)

    def touched(self, now: int) -> Session:
        return replace(self, seen=now)

    def cookie(self, secret: bytes) -> str:
        return sign(asdict(self), secret)


def open_session(
    value: str | None, secret: bytes, now: int, *, max_age_s: int, idle_s: int
) -> Session:
    """The session a cookie holds, if it verifies and has not expired.

    :raises BadSession: no cookie, a forged or malformed one, a session past its age.
    """
    if not value:
        raise BadSession("not signed in")
    payload = unsign(value, secret)
    try:
        session = Session(**payload)
    except TypeError:
        raise BadSession("the session cookie is malformed") from None
    if session.role not in ROLES or not isinstance(session.issued, int):
        raise BadSession("the session cookie is malformed")
    if now >= session.issued + max_age_s or now >= session.seen + idle_s:
        raise BadSession("the session has expired")
    return session


def check_csrf(session: Session, presented: str | None) -> None:
    """:raises CsrfRefused: the form's token is missing or is not the session's."""
    if not presented:
        raise CsrfRefused("the form carries no CSRF token")
    if not hmac.compare_digest(presented.encode(), session.csrf.encode()):
        raise CsrfRefused("the form's CSRF token is not this session's")


@dataclass(frozen=True)
class SignInState:
    """What the console remembers between sending a browser to the identity provider and
    its coming back: the OIDC ``state`` and ``nonce``, the PKCE verifier, where to go next."""

    state: str
    nonce: str
    verifier: str
    next: str
    expires: int

    @classmethod
    def fresh(cls, next_path: str, now: int, ttl_s: int = 600) -> SignInState:
        token = secrets.token_urlsafe
        return cls(token(24), token(24), token(48), safe_next(next_path), now + ttl_s)

    @property
    def challenge(self) -> str:
        """The PKCE S256 challenge of the verifier (RFC 7636 section 4.2)."""
        return _b64(hashlib.sha256(self.verifier.encode()).digest())

    def cookie(self, secret: bytes) -> str:
        return sign(asdict(self), secret)

    @classmethod
    def read(cls, value: str | None, secret: bytes, state: str | None, now: int) -> SignInState:
        """The state a callback's cookie holds, checked against the callback's ``state``.

        :raises BadSession: no sign-in under way, a forged cookie, another state, too late.
        """
        if not value or not state:
            raise BadSession("no sign-in is under way")
        try:
            held = cls(**unsign(value, secret))
        except TypeError:
            raise BadSession("the sign-in cookie is malformed") from None
        if not hmac.compare_digest(held.state.encode(), state.encode()):
            raise BadSession("the sign-in state does not match")
        if now >= held.expires:
            raise BadSession("the sign-in took too long")
        return held


def safe_next(path: str | None) -> str:
    """Where to go after signing in: a console path only (never another site)."""
    if not path or not path.startswith("/console/") or path.startswith("//") or "\\" in path:
        return "/console/tasks"
    return path
