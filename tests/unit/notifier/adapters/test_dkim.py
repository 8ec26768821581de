"""DKIM verification (dkimpy) on messages signed here with a key of our own, its public half
served by a stand-in DNS lookup: a good signature holds, a changed body or a signer other than
the From domain does not."""

from __future__ import annotations

import base64

import dkim
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from services.notifier.adapters.dkim import DkimVerifier

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PRIVATE = KEY.private_bytes(
    serialization.Encoding.PEM,
    serialization.PrivateFormat.TraditionalOpenSSL,
    serialization.NoEncryption(),
)
PUBLIC = base64.b64encode(
    KEY.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
)
RECORDS = {b"s1._domainkey.borrower.example.": b"v=DKIM1; k=rsa; p=" + PUBLIC}


def lookup(name: bytes, timeout: int = 5) -> bytes | None:
    return RECORDS.get(name)


def signed(sender: str, domain: bytes = b"borrower.example", body: bytes = b"TD") -> bytes:
    message = (
        (
            f"From: {sender}\r\nTo: replies@bank.example\r\nSubject: Re: reminder\r\n"
            "Message-ID: <m1@borrower.example>\r\n\r\n"
        ).encode()
        + body
        + b"\r\n"
    )
    signature: bytes = dkim.sign(
        message, b"s1", domain, PRIVATE, include_headers=[b"from", b"subject"]
    )
    return signature + message


async def test_a_good_signature_from_the_senders_domain_holds() -> None:
    assert await DkimVerifier(lookup).verify(signed("a@borrower.example"))


async def test_a_subdomain_sender_aligns_with_its_parent_signer() -> None:
    assert await DkimVerifier(lookup).verify(signed("a@mail.borrower.example"))


async def test_a_changed_body_fails() -> None:
    raw = signed("a@borrower.example").replace(b"\r\nTD\r\n", b"\r\nOK\r\n")
    assert not await DkimVerifier(lookup).verify(raw)


async def test_a_signature_by_another_domain_proves_nothing_about_the_sender() -> None:
    assert not await DkimVerifier(lookup).verify(signed("victim@qq.example"))


async def test_no_signature_fails() -> None:
    raw = b"From: a@borrower.example\r\nSubject: x\r\n\r\nTD\r\n"
    assert not await DkimVerifier(lookup).verify(raw)


async def test_an_unknown_key_fails() -> None:
    assert not await DkimVerifier(lambda name, timeout=5: None).verify(signed("a@borrower.example"))
