"""Safe mode's cipher and signature: fixed vectors, and interop with an independent
implementation (wechatpy's WeChatCrypto, a test dependency only) both ways."""

from __future__ import annotations

import base64

import pytest
from wechatpy.crypto import WeChatCrypto as Independent
from wechatpy.crypto import _get_signature
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException

from services.notifier.adapters.channels.wechat_crypto import WeChatCrypto, aes_key, msg_signature
from services.notifier.domain.inbound import CallbackRefused

KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APP = "wx5a9e0sandbox01"
TOKEN = "sandbox-wechat-token"  # noqa: S105 - a test token
PUSH = "<xml><FromUserName><![CDATA[oX]]></FromUserName><Content>退订</Content></xml>"


def test_the_key_is_the_base64_of_the_43_characters_and_an_equals_sign() -> None:
    assert aes_key(KEY) == base64.b64decode(KEY + "=")
    assert len(aes_key(KEY)) == 32
    with pytest.raises(ValueError, match="43"):
        aes_key(KEY[:-1])
    with pytest.raises(ValueError, match="base64"):
        aes_key("!" * 43)


def test_msg_signature_is_the_sha1_of_the_four_sorted_values() -> None:
    # sha1("1234567890" "nonce" "sealed" "tok"), as the independent implementation signs it.
    assert msg_signature("tok", "1234567890", "nonce", "sealed") == (
        "6d46433a5d63eba0c9043d9cf8bf9c382c8a11ae"
    )
    assert msg_signature("b", "a", "d", "c") == _get_signature("b", "a", "d", "c")


def test_a_fixed_vector_pads_to_32_byte_blocks_and_round_trips() -> None:
    ours = WeChatCrypto(KEY, APP)
    sealed = ours.encrypt(b"<xml/>", salt=b"0123456789abcdef")
    raw = base64.b64decode(sealed)
    # 16 salt + 4 length + 6 message + 16 AppID = 42 bytes, padded to 64.
    assert len(raw) == 64
    assert ours.decrypt(sealed) == b"<xml/>"


def test_a_push_the_independent_implementation_encrypted_is_read() -> None:
    theirs = Independent(TOKEN, KEY, APP)
    envelope = theirs.encrypt_message(PUSH, "nonce42", "1772600000")
    encrypt = envelope.split("<Encrypt><![CDATA[")[1].split("]]>")[0]
    signature = envelope.split("<MsgSignature><![CDATA[")[1].split("]]>")[0]
    ours = WeChatCrypto(KEY, APP)
    ours.check(signature, "1772600000", "nonce42", encrypt, TOKEN)
    assert ours.decrypt(encrypt).decode() == PUSH


def test_our_sealed_message_is_read_by_the_independent_implementation() -> None:
    ours = WeChatCrypto(KEY, APP)
    encrypt = ours.encrypt(PUSH.encode())
    signature = msg_signature(TOKEN, "1772600001", "n2", encrypt)
    envelope = f"<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
    theirs = Independent(TOKEN, KEY, APP)
    assert theirs.decrypt_message(envelope, signature, "1772600001", "n2") == PUSH
    with pytest.raises(InvalidSignatureException):
        theirs.decrypt_message(envelope, "0" * 40, "1772600001", "n2")


def test_another_accounts_message_or_a_wrong_signature_is_refused() -> None:
    theirs = Independent(TOKEN, KEY, "wxSomeoneElse000")
    envelope = theirs.encrypt_message(PUSH, "n", "1")
    encrypt = envelope.split("<Encrypt><![CDATA[")[1].split("]]>")[0]
    ours = WeChatCrypto(KEY, APP)
    with pytest.raises(CallbackRefused, match="AppID") as refused:
        ours.decrypt(encrypt)
    assert refused.value.status == 403
    with pytest.raises(CallbackRefused, match="msg_signature"):
        ours.check("0" * 40, "1", "n", encrypt, TOKEN)
    with pytest.raises(InvalidAppIdException):
        Independent(TOKEN, KEY, APP).decrypt_message(
            envelope, msg_signature(TOKEN, "1", "n", encrypt), "1", "n"
        )


@pytest.mark.parametrize(
    ("encrypt", "why"),
    [("not base64!", "base64"), (base64.b64encode(b"x" * 15).decode(), "blocks")],
)
def test_unreadable_ciphertext_is_a_400(encrypt: str, why: str) -> None:
    with pytest.raises(CallbackRefused, match=why) as refused:
        WeChatCrypto(KEY, APP).decrypt(encrypt)
    assert refused.value.status == 400


def test_a_wrong_key_fails_as_bad_padding_or_wrong_appid_never_as_a_message() -> None:
    sealed = WeChatCrypto(KEY, APP).encrypt(PUSH.encode())
    other = WeChatCrypto("A" * 43, APP)
    with pytest.raises(CallbackRefused):
        other.decrypt(sealed)
