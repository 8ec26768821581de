"""Case grants: signed by the desk, read by the audit service only when they hold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from joserfc import jwk
from joserfc import jwt as jose_jwt
from joserfc.jwt import JWTClaimsRegistry

from sandbox.identity import IdentityProvider
from shared.case_grants import (
    AUDIENCE,
    ISSUER,
    LIFETIME,
    CaseGrant,
    GrantSigner,
    is_grant,
    read_grant,
)
from shared.identity import InvalidCredentials
from shared.jwks import StaticKeySet

DESK = GrantSigner.generated()
KEYS = StaticKeySet(DESK.jwks())


async def test_a_grant_names_the_person_and_the_loan() -> None:
    token = DESK.sign("agent-7", "loan-1")
    assert is_grant(token)
    assert await read_grant(token, KEYS) == CaseGrant("agent-7", "loan-1")


def test_a_grant_is_short_lived_and_for_the_audit_service_alone() -> None:
    claims = jwt.decode(DESK.sign("agent-7", "loan-1"), options={"verify_signature": False})
    assert (claims["iss"], claims["aud"]) == (ISSUER, AUDIENCE)
    assert claims["exp"] - claims["iat"] == LIFETIME.total_seconds() <= 300


async def test_an_expired_grant_is_refused() -> None:
    with pytest.raises(InvalidCredentials, match="expired"):
        await read_grant(
            DESK.sign("agent-7", "loan-1", datetime.now(UTC) - timedelta(minutes=10)), KEYS
        )


async def test_another_keys_grant_is_refused() -> None:
    forged = GrantSigner(_pem(ec.generate_private_key(ec.SECP256R1())), DESK.kid)
    with pytest.raises(InvalidCredentials, match="InvalidSignature"):
        await read_grant(forged.sign("agent-7", "loan-1"), KEYS)
    with pytest.raises(InvalidCredentials, match="not the desk's"):
        await read_grant(GrantSigner.generated().sign("agent-7", "loan-1"), KEYS)


async def test_a_grant_with_another_loan_spliced_in_does_not_verify() -> None:
    header, _, signature = DESK.sign("agent-7", "loan-1").split(".")
    other = DESK.sign("agent-7", "loan-2").split(".")[1]
    with pytest.raises(InvalidCredentials):
        await read_grant(f"{header}.{other}.{signature}", KEYS)


async def test_no_desk_keys_takes_no_grant() -> None:
    with pytest.raises(InvalidCredentials, match="not taken"):
        await read_grant(DESK.sign("agent-7", "loan-1"), None)


def test_an_identity_providers_token_is_not_a_grant() -> None:
    idp = IdentityProvider(issuer="https://idp.bank.example")
    assert not is_grant(idp.token("agent-7", ["agent"], "collections"))
    assert not is_grant("not-a-jwt")
    assert not is_grant("a.b.c")


def test_only_an_ec_p256_key_signs_grants() -> None:
    with pytest.raises(ValueError, match="P-256"):
        GrantSigner(_pem(rsa.generate_private_key(public_exponent=65537, key_size=2048)), "k")
    with pytest.raises(ValueError, match="P-256"):
        GrantSigner(_pem(ec.generate_private_key(ec.SECP384R1())), "k")


def test_an_independent_jose_implementation_reads_the_desks_grants() -> None:
    published: Any = DESK.jwks()
    token = jose_jwt.decode(DESK.sign("agent-7", "loan-1"), jwk.KeySet.import_key_set(published))
    assert "d" not in DESK.jwks()["keys"][0]  # the public half only
    assert token.header["alg"] == "ES256"
    JWTClaimsRegistry(
        iss={"essential": True, "value": ISSUER}, aud={"essential": True, "value": AUDIENCE}
    ).validate(token.claims)
    assert (token.claims["sub"], token.claims["loan_id"]) == ("agent-7", "loan-1")


async def test_a_grant_an_independent_implementation_signs_is_read() -> None:
    pem, now = _pem(ec.generate_private_key(ec.SECP256R1())), datetime.now(UTC)
    signer = GrantSigner(pem, "desk-2")
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "agent-9",
        "loan_id": "loan-3",
        "iat": int(now.timestamp()),
        "exp": int((now + LIFETIME).timestamp()),
    }
    token = jose_jwt.encode({"alg": "ES256", "kid": "desk-2"}, claims, jwk.ECKey.import_key(pem))
    assert await read_grant(token, StaticKeySet(signer.jwks())) == CaseGrant("agent-9", "loan-3")


def _pem(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
