"""Mail as real clients and mail servers write it (QQ Mail, Outlook, Gmail, Postfix, sendmail):
replies and delivery status notifications, with ``@@SENDER@@``, ``@@RECIPIENT@@``,
``@@ORIGINAL_ID@@`` and ``@@SEND_KEY@@`` filled in by each test (:func:`sample`)."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent


def sample(name: str, **fields: str) -> bytes:
    """The sample ``name`` (``.eml``) with its ``@@FIELD@@`` placeholders filled in."""
    raw = (HERE / f"{name}.eml").read_bytes()
    for field, value in fields.items():
        raw = raw.replace(f"@@{field.upper()}@@".encode(), value.encode())
    return raw
