"""Case grants: the desk's word to the audit service that a person may read one loan's
evidence, now.

The audit service lets only auditors and compliance officers read its decrypted timeline; the
desk knows which cases an agent may see (their team's). When an agent opens a case's evidence,
the desk checks that, then signs a short-lived JWT (ES256, RFC 7519) naming the person
(``sub``) and the one loan (``loan_id``), for the audit service's audience. The audit service
verifies it against the desk's published keys (its JWKS), reads only that loan, and logs the
read under the person's id: the agent reads under their own identity, and can read nothing the
desk would not show them.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from shared.identity import InvalidCredentials, KeySet, key_id, looks_like_jwt

ISSUER: Final = "dunwell-desk"
AUDIENCE: Final = "dunwell-audit"
ALGORITHM: Final = "ES256"
#: How long a grant holds: long enough for one read, too short to be worth keeping.
LIFETIME: Final = timedelta(minutes=2)
LEEWAY_S: Final = 30


@dataclass(frozen=True)
class CaseGrant:
    """A verified grant: who may read, and which loan's evidence."""

    person: str
    loan_id: str


class GrantSigner:
    """Signs case grants with the desk's private key (an EC P-256 key in PEM); publishes the
    public half as a JWKS."""

    def __init__(self, private_pem: bytes, kid: str) -> None:
        key = serialization.load_pem_private_key(private_pem, password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
            raise ValueError("a case grant key must be an EC P-256 private key (PEM)")
        self._key, self.kid = key, kid

    @classmethod
    def generated(cls) -> GrantSigner:
        """A signer with a key of its own (one process only: development and tests)."""
        pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return cls(pem, f"desk-{secrets.token_hex(4)}")

    def sign(self, person: str, loan_id: str, now: datetime | None = None) -> str:
        """A grant for ``person`` to read ``loan_id``'s evidence, from ``now`` (the real time:
        never a simulated business day, which the audit service's clock would not share) for
        :data:`LIFETIME`."""
        now = now or datetime.now(UTC)
        claims = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": person,
            "loan_id": loan_id,
            "iat": int(now.timestamp()),
            "exp": int((now + LIFETIME).timestamp()),
            "jti": secrets.token_hex(8),
        }
        return jwt.encode(claims, self._key, algorithm=ALGORITHM, headers={"kid": self.kid})

    def jwks(self) -> dict[str, Any]:
        """The public key, as the audit service fetches it."""
        public = jwt.algorithms.ECAlgorithm.to_jwk(self._key.public_key(), as_dict=True)
        return {"keys": [{**public, "kid": self.kid, "use": "sig", "alg": ALGORITHM}]}


def is_grant(token: str) -> bool:
    """Whether a presented token says it is a case grant (read before anything is verified:
    only which check to run depends on it)."""
    if not looks_like_jwt(token):
        return False
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.InvalidTokenError:
        return False
    return claims.get("iss") == ISSUER


async def read_grant(token: str, keys: KeySet | None) -> CaseGrant:
    """The grant a token carries, once the desk's signature and its claims hold.

    :raises InvalidCredentials: no desk keys configured, an unknown key, a bad signature, an
        expired grant, or claims that are not a grant's.
    """
    if keys is None:
        raise InvalidCredentials("case grants are not taken here")
    key = await keys.key(key_id(token))
    if key is None or key.algorithm_name != ALGORITHM:
        raise InvalidCredentials("the grant's signing key is not the desk's")
    try:
        claims = jwt.decode(
            token,
            key=key,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            leeway=LEEWAY_S,
            options={"require": ["exp", "iat", "iss", "aud", "sub", "loan_id"]},
        )
    except jwt.ExpiredSignatureError:
        raise InvalidCredentials("the grant has expired") from None
    except jwt.InvalidTokenError as e:
        raise InvalidCredentials(f"invalid grant: {type(e).__name__}") from None
    person, loan = claims["sub"], claims["loan_id"]
    if not isinstance(person, str) or not isinstance(loan, str) or not person or not loan:
        raise InvalidCredentials("a grant names a person and a loan")
    return CaseGrant(person, loan)
