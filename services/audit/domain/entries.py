"""What one log entry holds, the exact bytes its leaf commits to, and where entries come from."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Container, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

import orjson

from services.audit.domain.rows import CodeStatus
from shared import deadletter
from shared.events import AnyEvent, InteractionRecorded, decode, derived_event_id
from shared.topics import DLQ_SUFFIX

LEAF_FORMAT: Final = 1
DEAD_LETTER_KIND: Final = "dunwell.dead-letter.v1"
PLAINTEXT_READ_KIND: Final = "dunwell.audit.plaintext-read.v1"
SYSTEM_KEY: Final = "system"


@dataclass(frozen=True)
class VerificationNotice:
    """What the public verification page may say about a message."""

    code: str
    channel: str
    account_masked: str | None
    status: CodeStatus = "sent"


#: The interactions that register a message's code, and as what: a message the provider took;
#: one that may have gone (its provider could not say yet); one found later never to have gone.
CODE_STATUS: Final[dict[str, CodeStatus]] = {
    "message_sent": "sent",
    "send_uncertain": "possibly_sent",
    "send_not_sent": "not_sent",
}


@dataclass(frozen=True)
class NewEntry:
    """One interaction to append, before it is sealed and given an index."""

    event_id: str
    kind: str
    topic: str
    debtor_id: str | None
    loan_id: str | None
    occurred_at: datetime
    payload: bytes
    notice: VerificationNotice | None = None

    @property
    def key_ref(self) -> str:
        """Whose data key seals the payload: erasing it erases exactly this debtor's content."""
        return f"debtor:{self.debtor_id}" if self.debtor_id else SYSTEM_KEY


@dataclass(frozen=True)
class LeafData:
    """The committed metadata of a leaf (parsed from its canonical bytes)."""

    index: int
    event_id: str
    kind: str
    topic: str
    debtor_id: str | None
    loan_id: str | None
    occurred_at: str
    recorded_at: str
    key_ref: str
    ciphertext_sha256: str
    commitment: str
    prev_for_debtor: int | None
    prev_for_loan: int | None


def canonical(document: dict[str, Any]) -> bytes:
    """Canonical JSON: sorted keys, no spaces, UTF-8; the same document gives the same bytes.

    The bytes are the standard library's (``json.dumps`` with sorted keys, compact separators
    and ``ensure_ascii=False``), which every leaf written so far holds. orjson writes the same
    bytes for strings, integers, booleans, null, lists and string-keyed objects and is several
    times faster; a document with anything else (a float, whose exponent orjson spells
    differently, or a type json refuses) goes through ``json`` itself.
    """
    if _orjson_exact(document):
        return orjson.dumps(document, option=orjson.OPT_SORT_KEYS)
    return _JSON.encode(document).encode()


_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
_INT_RANGE = range(-(2**63), 2**64)  # what orjson writes as an integer


def _orjson_exact(value: object) -> bool:
    """Whether orjson writes exactly the standard library's bytes for ``value``."""
    if value is None or isinstance(value, str | bool):
        return True
    if isinstance(value, int):
        return value in _INT_RANGE
    if isinstance(value, dict):
        return all(isinstance(k, str) and _orjson_exact(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return all(_orjson_exact(v) for v in value)
    return False


#: A leaf's fields with their JSON types: the only ones ``decode_leaf`` accepts.
_LEAF_TYPES: Final = {
    "index": int,
    "event_id": str,
    "kind": str,
    "topic": str,
    "debtor_id": str | None,
    "loan_id": str | None,
    "occurred_at": str,
    "recorded_at": str,
    "key_ref": str,
    "ciphertext_sha256": str,
    "commitment": str,
    "prev_for_debtor": int | None,
    "prev_for_loan": int | None,
}


def encode_leaf(leaf: LeafData) -> bytes:
    """The leaf's canonical bytes (what its hash commits to): :func:`canonical` of its fields.

    A leaf holds strings, integers (indexes) and nulls only, as the writer makes it and as
    ``decode_leaf`` insists, so it goes to orjson without :func:`canonical`'s walk.
    """
    return orjson.dumps({"v": LEAF_FORMAT, **leaf.__dict__}, option=orjson.OPT_SORT_KEYS)


def leaf_bytes(
    *,
    index: int,
    event_id: str,
    kind: str,
    topic: str,
    debtor_id: str | None,
    loan_id: str | None,
    occurred_at: str,
    recorded_at: str,
    key_ref: str,
    ciphertext_sha256: str,
    commitment: str,
    prev_for_debtor: int | None,
    prev_for_loan: int | None,
) -> bytes:
    """:func:`encode_leaf` of the :class:`LeafData` of these fields, without making one: the
    writer's form (a frozen dataclass of thirteen fields cost more than the encoding)."""
    document = {
        "v": LEAF_FORMAT,
        "index": index,
        "event_id": event_id,
        "kind": kind,
        "topic": topic,
        "debtor_id": debtor_id,
        "loan_id": loan_id,
        "occurred_at": occurred_at,
        "recorded_at": recorded_at,
        "key_ref": key_ref,
        "ciphertext_sha256": ciphertext_sha256,
        "commitment": commitment,
        "prev_for_debtor": prev_for_debtor,
        "prev_for_loan": prev_for_loan,
    }
    return orjson.dumps(document, option=orjson.OPT_SORT_KEYS)


def _leaf_field_ok(value: object, kind: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value in _INT_RANGE and isinstance(value, kind)
    return isinstance(value, kind)


def decode_leaf(data: bytes) -> LeafData:
    """Parse a leaf's canonical bytes; ``ValueError`` unless they are what ``encode_leaf`` wrote."""
    try:
        document = json.loads(data)
        version = document.pop("v")
        leaf = LeafData(**document)
    except (ValueError, TypeError, KeyError, AttributeError) as e:
        raise ValueError("leaf data is not a Dunwell leaf") from e
    if not all(_leaf_field_ok(document[name], kind) for name, kind in _LEAF_TYPES.items()):
        raise ValueError("leaf data has a field of the wrong type")
    if version != LEAF_FORMAT or encode_leaf(leaf) != data:
        raise ValueError("leaf data is not in canonical form")
    return leaf


def unseen(entries: Sequence[NewEntry], known: Container[str]) -> list[NewEntry]:
    """The entries whose event id is not ``known``, the first of each id, in input order."""
    fresh: dict[str, NewEntry] = {}
    for entry in entries:
        if entry.event_id not in known:
            fresh.setdefault(entry.event_id, entry)
    return list(fresh.values())


def entry_for_event(event: AnyEvent, *, topic: str, raw: bytes) -> NewEntry:
    """The log entry of a Dunwell event, keeping its bytes exactly as published."""
    notice = None
    if (
        isinstance(event, InteractionRecorded)
        and event.kind in CODE_STATUS
        and (event.verification_code)
    ):
        notice = VerificationNotice(
            event.verification_code, event.channel, event.account_masked, CODE_STATUS[event.kind]
        )
    return NewEntry(
        event_id=event.event_id,
        kind=event.type,
        topic=topic,
        debtor_id=getattr(event, "debtor_id", None),
        loan_id=getattr(event, "loan_id", None),
        occurred_at=event.occurred_at,
        payload=raw,
        notice=notice,
    )


def entry_for_dead_letter(
    *, topic: str, value: bytes | None, headers: Sequence[tuple[str, bytes]], timestamp: datetime
) -> NewEntry:
    """The log entry of a dead-lettered record: why, where from, and the hash of its bytes.

    The bytes themselves stay in the dead-letter topic: they may hold personal data the log
    could not classify.
    """
    body = value or b""
    source = deadletter.header(headers, deadletter.SOURCE_TOPIC) or "unknown"
    partition = deadletter.header(headers, deadletter.SOURCE_PARTITION) or "?"
    offset = deadletter.header(headers, deadletter.SOURCE_OFFSET) or "?"
    payload = {
        "reason": deadletter.header(headers, deadletter.REASON),
        "reason_code": deadletter.header(headers, deadletter.REASON_CODE),
        "service": deadletter.header(headers, deadletter.SERVICE),
        "source": {"topic": source, "partition": partition, "offset": offset},
        "value_sha256": hashlib.sha256(body).hexdigest(),
        "value_bytes": len(body),
    }
    return NewEntry(
        event_id=derived_event_id("dead-letter", source, partition, offset),
        kind=DEAD_LETTER_KIND,
        topic=topic,
        debtor_id=None,
        loan_id=None,
        occurred_at=timestamp,
        payload=canonical(payload),
    )


def entry_for_plaintext_read(
    *, reader: str, purpose: str, indexes: Sequence[int], at: datetime, read_id: str
) -> NewEntry:
    """The log entry that records who read which entries' plaintext, and why."""
    payload = {"reader": reader, "purpose": purpose, "leaf_indexes": list(indexes)}
    return NewEntry(
        event_id=read_id,
        kind=PLAINTEXT_READ_KIND,
        topic="audit.reads",
        debtor_id=None,
        loan_id=None,
        occurred_at=at,
        payload=canonical(payload),
    )


def entry_for_record(
    *, topic: str, value: bytes | None, headers: Sequence[tuple[str, bytes]], timestamp_ms: int
) -> NewEntry:
    """The entry for one Kafka record; :class:`~shared.errors.InvalidEvent` for a bad one."""
    if topic.endswith(DLQ_SUFFIX):
        at = datetime.fromtimestamp(timestamp_ms / 1000, UTC)
        return entry_for_dead_letter(topic=topic, value=value, headers=headers, timestamp=at)
    event = decode(value, headers)
    return entry_for_event(event, topic=topic, raw=value or b"")
