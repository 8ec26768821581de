"""Contact details as the model has them take the strict first try; every record gets the
verdict, the event and the reason the tolerant path alone gives."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, get_args

import pytest
from pydantic import BaseModel

from shared.corebanking_events import ContactDetailsChanged
from shared.customer_intake import Tolerated, decode_customer_event, tolerant_decode
from shared.errors import InvalidEvent
from shared.events import MAX_EVENT_BYTES, encode
from shared.testing.factories import contact_details, overdue

Headers = tuple[tuple[str, bytes], ...]
CONSENT = {"channel": "sms", "until": "2026-12-31T00:00:00Z", "evidence": "rec-1"}


_RECORD = encode(
    contact_details("debtor-1", mobile="+8613800000001", wechat_openid="o" * 28),
    source="/corebanking",
)
DOCUMENT: dict[str, Any] = json.loads(_RECORD.value)
HEADERS: Headers = _RECORD.headers


def _changed(**fields: object) -> tuple[bytes, Headers]:
    return json.dumps({**DOCUMENT, **fields}).encode(), HEADERS


def _headers(change: dict[str, bytes | None]) -> tuple[bytes, Headers]:
    """The record with some headers changed (None: left out)."""
    headers = ((name, change.get(name, raw)) for name, raw in HEADERS)
    return json.dumps(DOCUMENT).encode(), tuple((n, r) for n, r in headers if r is not None)


CASES: dict[str, tuple[bytes | None, Headers]] = {
    "as sent": _changed(),
    "with a consent": _changed(consents=[CONSENT]),
    "padded text, stripped": _changed(debtor_id="  debtor-1 "),
    "an unknown field": _changed(officeName="总行"),
    "a protected field": _changed(gender="F"),
    "a protected field in a consent": _changed(consents=[{**CONSENT, "maritalStatus": "x"}]),
    "an unknown field in a consent": _changed(consents=[{**CONSENT, "note": "x"}]),
    "a bad mobile": _changed(mobile="13800138000"),
    "a bad mobile and a protected field": _changed(mobile="13800138000", dateOfBirth="1980"),
    "an empty debtor id": _changed(debtor_id=""),
    "a naive time": _changed(occurred_at="2026-03-01T08:00:00"),
    "another type in the body": _changed(type="corebanking.loan.closed.v1"),
    "no type": _changed(type=None),
    "a wrong ce_type": _headers({"ce_type": b"corebanking.loan.closed.v1"}),
    "a wrong ce_id": _headers({"ce_id": b"someone-else"}),
    "no ce_id": _headers({"ce_id": None}),
    "a bad ce_time": _headers({"ce_time": b"yesterday"}),
    "a bad ce_specversion": _headers({"ce_specversion": b"0.3"}),
    "an empty value": (b"", HEADERS),
    "no value": (None, HEADERS),
    "junk": (b"{oops", HEADERS),
    "not an object": (b"[1, 2]", HEADERS),
    "bad UTF-8": (b'{"debtor_id": "\xff"}', HEADERS),
    "too large": (_changed(verified=True)[0] + b" " * MAX_EVENT_BYTES, HEADERS),
    "duplicate keys": (
        _changed()[0][:-1] + b', "mobile": "+8613800000009"}',
        HEADERS,
    ),
}


def _outcome(decoder: Any, value: bytes | None, headers: Headers) -> tuple[object, object]:
    try:
        event, tolerated = decoder(value, headers)
    except InvalidEvent as e:
        return ("refused", str(e))
    return (event, tolerated)


@pytest.mark.parametrize("name", list(CASES))
def test_every_record_gets_the_tolerant_paths_verdict(name: str) -> None:
    value, headers = CASES[name]
    assert _outcome(decode_customer_event, value, headers) == _outcome(
        tolerant_decode, value, headers
    )


def test_another_event_on_the_topic_decodes_as_it_did() -> None:
    record = encode(overdue(), source="/corebanking")
    assert _outcome(decode_customer_event, record.value, record.headers) == _outcome(
        tolerant_decode, record.value, record.headers
    )


def test_the_cases_cover_both_outcomes() -> None:
    outcomes = [_outcome(decode_customer_event, *case) for case in CASES.values()]
    assert any(isinstance(o[1], Tolerated) and o[1] == Tolerated() for o in outcomes)
    assert any(isinstance(o[1], Tolerated) and o[1] != Tolerated() for o in outcomes)
    assert any(o[0] == "refused" for o in outcomes)


def _models(model: type[BaseModel]) -> Iterator[type[BaseModel]]:
    yield model
    for field in model.model_fields.values():
        for inner in _types(field.annotation):
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                yield from _models(inner)


def _types(annotation: object) -> Iterator[object]:
    yield annotation
    for arg in get_args(annotation):
        yield from _types(arg)


def test_the_strict_try_rests_on_models_that_forbid_unknown_fields_at_every_depth() -> None:
    """A model that took unknown keys would let a protected field through the strict try."""
    models = set(_models(ContactDetailsChanged))
    assert len(models) >= 2  # the event and its consents
    assert all(m.model_config.get("extra") == "forbid" for m in models)
