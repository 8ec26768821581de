"""Opening stored entries: plaintext, erased content, tampered bytes; the auditor's view."""

from __future__ import annotations

import dataclasses

from services.audit.domain import sealing
from services.audit.domain.chains import Links
from services.audit.domain.leaves import leaf_row
from services.audit.domain.opening import Opened, entry_json, open_row, parse_row
from services.audit.domain.rows import LeafRow
from tests.support.audit import new_entry, sent_message

MASTER = b"m" * 32
KEY = sealing.new_data_key()
WRAPPED = sealing.wrap_key(MASTER, KEY)


def stored() -> LeafRow:
    entry = new_entry("e1", "d1")
    return leaf_row(entry, 0, sent_message().occurred_at, sealing.cipher(KEY), Links(None, None))


def unwrap(wrapped: bytes) -> bytes:
    return sealing.unwrap_key(MASTER, wrapped)


def test_a_row_opens_to_its_plaintext_and_shows_as_json() -> None:
    row = stored()
    leaf = parse_row(row)
    assert leaf is not None
    opened = open_row(row, leaf, WRAPPED, unwrap)
    assert opened.plaintext == b'{"kind": "message_sent"}'
    view = entry_json(opened)
    assert view["content"] == {"kind": "message_sent"}
    assert (view["erased"], view["tampered"], view["topic"]) == (False, False, leaf.topic)


def test_an_erased_key_leaves_the_entry_without_content() -> None:
    row = stored()
    leaf = parse_row(row)
    assert leaf is not None
    view = entry_json(open_row(row, leaf, None, unwrap))
    assert (view["content"], view["erased"], view["tampered"]) == (None, True, False)


def test_changed_bytes_are_tampered_not_erased() -> None:
    row = stored()
    leaf = parse_row(row)
    assert leaf is not None
    changed = dataclasses.replace(
        row, ciphertext=row.ciphertext[:-1] + bytes([row.ciphertext[-1] ^ 1])
    )
    assert open_row(changed, leaf, WRAPPED, unwrap).tampered
    garbled = LeafRow(0, "e1", "k", "d1", None, b"{not a leaf", b"", None)
    assert parse_row(garbled) is None
    view = entry_json(Opened(garbled, None, None, None, tampered=True))
    assert (view["topic"], view["erased"], view["tampered"]) == (None, False, True)


def test_content_that_is_not_json_shows_as_base64() -> None:
    row = stored()
    view = entry_json(Opened(row, parse_row(row), b"\xff\x00", b"s"))
    assert view["content"] == {"base64": "/wA="}
