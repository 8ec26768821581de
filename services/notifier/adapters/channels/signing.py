"""Request and callback signatures of the providers, as their documentation defines them (pure).

Sources: compliance reference ``channels.md`` §1.4 (WeChat), §3 (Aliyun RPC signature v1),
§4 (Tencent Cloud TC3-HMAC-SHA256), §5 (Twilio ``X-Twilio-Signature``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping

_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")
#: Each byte as Aliyun's encoding writes it (``quote(..., safe="-_.~")``, a byte at a time).
_ENCODED = tuple(chr(b) if b in _UNRESERVED else f"%{b:02X}" for b in range(256))


def aliyun_encode(value: str) -> str:
    """Aliyun's percent-encoding: RFC 3986 unreserved characters kept, UTF-8, space as %20."""
    return "".join([_ENCODED[b] for b in value.encode()])


def aliyun_string_to_sign(params: Mapping[str, str], method: str = "GET") -> str:
    canonical = "&".join(
        f"{aliyun_encode(k)}={aliyun_encode(v)}"
        for k, v in sorted(params.items())
        if k != "Signature"
    )
    return f"{method}&{aliyun_encode('/')}&{aliyun_encode(canonical)}"


def aliyun_signature(params: Mapping[str, str], secret: str, method: str = "GET") -> str:
    """Base64(HMAC-SHA1(secret + "&", string to sign)) over every parameter but ``Signature``."""
    digest = hmac.new(
        f"{secret}&".encode(), aliyun_string_to_sign(params, method).encode(), hashlib.sha1
    ).digest()
    return base64.b64encode(digest).decode()


TC3_SIGNED_HEADERS = "content-type;host"


def _hmac256(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def tc3_canonical_request(host: str, content_type: str, payload: bytes) -> str:
    """The canonical request of a POST to ``/`` signing ``content-type`` and ``host``."""
    headers = f"content-type:{content_type}\nhost:{host}\n"
    return "\n".join(
        ["POST", "/", "", headers, TC3_SIGNED_HEADERS, hashlib.sha256(payload).hexdigest()]
    )


def tc3_signature(secret_key: str, date: str, service: str, string_to_sign: str) -> str:
    """HMAC-SHA256 with the key derived from ``"TC3" + secret_key``, the date and the service."""
    key = _hmac256(_hmac256(_hmac256(f"TC3{secret_key}".encode(), date), service), "tc3_request")
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


def tc3_authorization(
    *,
    secret_id: str,
    secret_key: str,
    service: str,
    host: str,
    timestamp: int,
    date: str,
    payload: bytes,
    content_type: str = "application/json; charset=utf-8",
) -> str:
    """The ``Authorization`` header of a Tencent Cloud API 3.0 POST (TC3-HMAC-SHA256).

    :param date: the UTC date of ``timestamp`` (``YYYY-MM-DD``); the service rejects a mismatch.
    """
    scope = f"{date}/{service}/tc3_request"
    canonical = tc3_canonical_request(host, content_type, payload)
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    string_to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{digest}"
    signature = tc3_signature(secret_key, date, service, string_to_sign)
    return (
        f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, "
        f"SignedHeaders={TC3_SIGNED_HEADERS}, Signature={signature}"
    )


def twilio_signature(token: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    """``X-Twilio-Signature``: HMAC-SHA1 over the URL then each POST parameter, sorted by name."""
    data = url + "".join(f"{k}{v}" for k, v in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def wechat_signature(token: str, timestamp: str, nonce: str) -> str:
    """WeChat's callback signature: SHA-1 of the sorted token, timestamp and nonce."""
    return hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()  # noqa: S324 - WeChat's scheme
