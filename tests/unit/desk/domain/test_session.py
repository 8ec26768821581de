"""Console sessions: signed, expiring, carrying their CSRF token; the sign-in state between
the redirect to the identity provider and its callback."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from services.desk.domain.access import Person
from services.desk.domain.session import (
    BadSession,
    CsrfRefused,
    Session,
    SignInState,
    check_csrf,
    open_session,
    safe_next,
    sign,
    unsign,
)

SECRET = b"s" * 32
AGENT = Person(id="agent-7", role="agent", team="collections")


def opened(value: str, now: int) -> Session:
    return open_session(value, SECRET, now, max_age_s=3600, idle_s=600)


def test_a_session_round_trips_and_only_under_its_secret() -> None:
    session = Session.start(AGENT, now=1000)
    cookie = session.cookie(SECRET)
    assert opened(cookie, 1001) == session
    assert opened(cookie, 1001).person == AGENT
    with pytest.raises(BadSession, match="does not verify"):
        open_session(cookie, b"t" * 32, 1001, max_age_s=3600, idle_s=600)
    _, _, mac = cookie.partition(".")
    forged = sign({"sub": "sup-1", "role": "supervisor"}, b"guess").split(".")[0]
    with pytest.raises(BadSession):
        opened(f"{forged}.{mac}", 1001)
    with pytest.raises(BadSession):
        opened("", 1001)


def test_a_session_ends_after_its_age_or_when_idle() -> None:
    session = Session.start(AGENT, now=1000)
    with pytest.raises(BadSession, match="expired"):
        opened(session.cookie(SECRET), 1000 + 600)  # idle ten minutes
    kept = session.touched(1500)
    assert opened(kept.cookie(SECRET), 2000).seen == 1500
    with pytest.raises(BadSession, match="expired"):
        opened(session.touched(4500).cookie(SECRET), 4600)  # past the hour from sign-in


def test_a_malformed_payload_is_a_bad_session() -> None:
    with pytest.raises(BadSession, match="malformed"):
        opened(sign({"sub": "x"}, SECRET), 1)
    body = "bm90IGpzb24"  # "not json"
    mac = hmac.new(SECRET, body.encode(), hashlib.sha256).digest()
    with pytest.raises(BadSession, match="malformed"):
        unsign(f"{body}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}", SECRET)


def test_the_csrf_token_must_be_the_sessions() -> None:
    session = Session.start(AGENT, now=1)
    check_csrf(session, session.csrf)
    for presented in (None, "", "x" * len(session.csrf), Session.start(AGENT, now=1).csrf):
        with pytest.raises(CsrfRefused):
            check_csrf(session, presented)


def test_the_sign_in_state_must_come_back_as_it_went() -> None:
    state = SignInState.fresh("/console/queue", now=100)
    cookie = state.cookie(SECRET)
    assert SignInState.read(cookie, SECRET, state.state, 200) == state
    assert len(state.challenge) == 43  # base64url SHA-256, no padding
    with pytest.raises(BadSession, match="does not match"):
        SignInState.read(cookie, SECRET, "other", 200)
    with pytest.raises(BadSession, match="too long"):
        SignInState.read(cookie, SECRET, state.state, 100 + 600)
    with pytest.raises(BadSession):
        SignInState.read(None, SECRET, state.state, 200)


@pytest.mark.parametrize(
    ("asked", "goes"),
    [
        ("/console/cases/l1", "/console/cases/l1"),
        ("https://evil.example/console/", "/console/tasks"),
        ("//evil.example/console/", "/console/tasks"),
        ("/console/\\evil", "/console/tasks"),
        ("/v1/queues/x", "/console/tasks"),
        (None, "/console/tasks"),
    ],
)
def test_after_sign_in_only_a_console_path(asked: str | None, goes: str) -> None:
    assert safe_next(asked) == goes
