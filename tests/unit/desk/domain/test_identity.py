"""Tokens of the bank's identity provider: what is taken and what is refused, and why."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import jwt
import pytest

from sandbox.identity import IdentityProvider, SigningKey
from services.desk.domain.access import NotAllowed, Person
from services.desk.domain.identity import verify
from shared.identity import InvalidCredentials, TokenRules, key_id

IDP = IdentityProvider(issuer="https://idp.bank.example")
RULES = TokenRules(issuer=IDP.issuer, audience="dunwell-desk")
KEY = jwt.PyJWK(IDP.jwks()["keys"][0])


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_an_agent_and_a_supervisor_are_signed_in_with_their_own_ids() -> None:
    agent = IDP.token("agent-7", ["agent"], "collections")
    assert key_id(agent) == "local-1"
    assert verify(agent, KEY, RULES) == Person("agent-7", "agent", "collections")
    supervisor = IDP.token("sup-1", ["supervisor", "agent"])
    assert verify(supervisor, KEY, RULES) == Person("sup-1", "supervisor")


@pytest.mark.parametrize(
    ("token", "why"),
    [
        (IDP.token("agent-7", ["agent"], "collections", expires_in=-120), "expired"),
        (IDP.token("agent-7", ["agent"], "collections", iss="https://evil.example"), "Issuer"),
        (IDP.token("agent-7", ["agent"], "collections", aud="another-app"), "Audience"),
        (SigningKey("local-1").sign({"sub": "agent-7"}), "Signature"),
        (IDP.token("agent 7; drop", ["agent"], "collections"), "subject"),
    ],
)
def test_a_token_that_does_not_hold_is_refused(token: str, why: str) -> None:
    with pytest.raises(InvalidCredentials, match=why):
        verify(token, KEY, RULES)


def test_a_wrongly_signed_token_with_valid_claims_is_refused() -> None:
    genuine = IDP.token("agent-7", ["agent"], "collections")
    other = IdentityProvider(issuer=IDP.issuer)  # another key, the same kid
    forged = other.token("agent-7", ["agent"], "collections")
    assert key_id(forged) == key_id(genuine)
    with pytest.raises(InvalidCredentials, match="Signature"):
        verify(forged, KEY, RULES)


def test_no_algorithm_and_a_public_key_used_as_an_hmac_secret_are_refused() -> None:
    claims = json.loads(
        base64.urlsafe_b64decode(IDP.token("x", ["supervisor"]).split(".")[1] + "==")
    )
    none_head = b64(b'{"alg":"none","kid":"local-1"}')
    unsigned = f"{none_head}.{b64(json.dumps(claims).encode())}."
    with pytest.raises(InvalidCredentials):
        verify(unsigned, KEY, RULES)
    head = b64(b'{"alg":"HS256","kid":"local-1"}')
    body = b64(json.dumps(claims).encode())
    secret = json.dumps(IDP.jwks()["keys"][0]).encode()
    mac = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
    with pytest.raises(InvalidCredentials):
        verify(f"{head}.{body}.{b64(mac)}", KEY, RULES)


def test_a_valid_token_without_a_desk_role_or_team_is_forbidden() -> None:
    with pytest.raises(NotAllowed, match="no desk role"):
        verify(IDP.token("clerk-1", ["teller"]), KEY, RULES)
    with pytest.raises(NotAllowed, match="team"):
        verify(IDP.token("agent-7", ["agent"]), KEY, RULES)


def test_a_malformed_token_is_refused_before_any_key_is_looked_up() -> None:
    with pytest.raises(InvalidCredentials, match="malformed"):
        key_id("not.a.jwt")


def test_the_claims_read_are_configurable() -> None:
    rules = TokenRules(
        issuer=IDP.issuer, audience="dunwell-desk", roles_claim="groups", team_claim="dept"
    )
    token = IDP.token("agent-8", [], groups=["agent"], dept="field")
    assert verify(token, KEY, rules) == Person("agent-8", "agent", "field")
    with pytest.raises(InvalidCredentials, match="not allowed"):
        verify(token, KEY, TokenRules(issuer=IDP.issuer, audience="x", algorithms=("RS256",)))
