"""Where entries come from: Kafka records, dead letters, agents' records; the leaf bytes."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.audit.domain.entries import (
    LEAF_FORMAT,
    LeafData,
    canonical,
    decode_leaf,
    encode_leaf,
    entry_for_record,
    leaf_bytes,
)
from shared.errors import InvalidEvent


def test_an_invalid_event_is_refused_for_the_dead_letter_topic() -> None:
    with pytest.raises(InvalidEvent):
        entry_for_record(topic="dunwell.interactions.v1", value=b"{", headers=[], timestamp_ms=0)


#: Documents and the exact bytes every leaf so far was written with (``json.dumps``, sorted
#: keys, compact, ``ensure_ascii=False``, UTF-8): Chinese text, decimal amounts as strings and
#: floats, nesting, escapes, keys beyond the Basic Multilingual Plane, integers past 64 bits.
GOLDEN = [
    (
        {"reason": "借款人已还清", "amount": "1234.50", "n": 3},
        '{"amount":"1234.50","n":3,"reason":"借款人已还清"}',
    ),
    (
        {"b": {"z": [1, 2.5, {"y": None, "x": True}], "a": "é"}, "a": []},
        '{"a":[],"b":{"a":"é","z":[1,2.5,{"x":true,"y":null}]}}',
    ),
    (
        {"rate": 0.1, "big": 1e16, "small": 1.5e-07, "neg": -0.0, "int": -9007199254740993},
        '{"big":1e+16,"int":-9007199254740993,"neg":-0.0,"rate":0.1,"small":1.5e-07}',
    ),
    (
        {"esc": 'q" b\\ n\n t\t z\x00 u\x1f d\x7f l\u2028', "emoji": "😀", "中": "文"},
        '{"emoji":"😀","esc":"q\\" b\\\\ n\\n t\\t z\\u0000 u\\u001f d\x7f l\u2028","中":"文"}',
    ),
    ({"\ufffd": 1, "😀": 2, "a": 3, "Z": 4, "é": 5}, '{"Z":4,"a":3,"é":5,"\ufffd":1,"😀":2}'),
    (
        {"huge": 18446744073709551616, "top": 18446744073709551615, "nested": [[]], "f": False},
        '{"f":false,"huge":18446744073709551616,"nested":[[]],"top":18446744073709551615}',
    ),
]


@pytest.mark.parametrize(("document", "expected"), GOLDEN)
def test_canonical_json_is_byte_for_byte_what_it_always_was(
    document: dict[str, Any], expected: str
) -> None:
    assert canonical(document) == expected.encode()


def reference(document: object) -> bytes:
    """The canonical form as first written: the standard library's json."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(exclude_categories=["Cs"])),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(st.characters(exclude_categories=["Cs"])), inner, max_size=4)
    ),
    max_leaves=20,
)


@given(st.dictionaries(st.text(st.characters(exclude_categories=["Cs"])), JSON_VALUES))
def test_canonical_json_matches_the_standard_library_on_any_document(
    document: dict[str, Any],
) -> None:
    assert canonical(document) == reference(document)


TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
INDEX = st.integers(min_value=0, max_value=2**63 - 1)


@given(
    st.builds(
        LeafData,
        index=INDEX,
        event_id=TEXT,
        kind=TEXT,
        topic=TEXT,
        debtor_id=st.none() | TEXT,
        loan_id=st.none() | TEXT,
        occurred_at=TEXT,
        recorded_at=TEXT,
        key_ref=TEXT,
        ciphertext_sha256=TEXT,
        commitment=TEXT,
        prev_for_debtor=st.none() | INDEX,
        prev_for_loan=st.none() | INDEX,
    )
)
def test_a_leaf_encodes_as_its_canonical_document_and_decodes_back(leaf: LeafData) -> None:
    data = encode_leaf(leaf)
    assert data == reference({"v": LEAF_FORMAT, **leaf.__dict__})
    assert leaf_bytes(**leaf.__dict__) == data  # the writer's form, byte for byte
    assert decode_leaf(data) == leaf


BUNDLE = Path(__file__).parents[3] / "data" / "bundle-v1.json"


def golden_leaves() -> list[bytes]:
    entries = json.loads(BUNDLE.read_text())["entries"]
    return [base64.b64decode(entry["leaf_data"]) for entry in entries]


def test_leaves_written_before_still_decode_to_the_same_bytes() -> None:
    leaves = golden_leaves()
    assert leaves
    for data in leaves:
        assert encode_leaf(decode_leaf(data)) == data


def test_the_writer_writes_the_leaves_written_before_byte_for_byte() -> None:
    for data in golden_leaves():
        assert leaf_bytes(**decode_leaf(data).__dict__) == data


def test_a_leaf_whose_fields_have_the_wrong_type_is_refused() -> None:
    data = golden_leaves()[0]
    document = json.loads(data)
    for field, value in (("index", 1.0), ("index", True), ("event_id", 7), ("index", 2**64)):
        tampered = reference({**document, field: value})
        with pytest.raises(ValueError, match="wrong type"):
            decode_leaf(tampered)
