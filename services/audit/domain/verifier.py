"""Offline verification of evidence bundles: no network, a report, the first failure named."""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography import x509
from rfc3161_client import VerificationError, VerifierBuilder, decode_timestamp_response

from services.audit.domain import merkle, sealing
from services.audit.domain.bundle import FORMAT, VERSION
from services.audit.domain.checkpoint import Checkpoint, NoteError, VerifierKey, open_note
from services.audit.domain.entries import LeafData, decode_leaf

SUPPORTED_VERSIONS = (VERSION,)


class BundleInvalid(Exception):
    """Verification failed; ``index`` names the first failing entry where there is one."""

    def __init__(self, problem: str, index: int | None = None) -> None:
        super().__init__(problem)
        self.problem, self.index = problem, index


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)

    def ok(self, line: str) -> None:
        self.lines.append(f"ok   {line}")


def _bytes(value: Any, what: str, index: int | None = None) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, TypeError, ValueError) as e:
        raise BundleInvalid(f"{what} is not base64", index) from e


def _keys(document: dict[str, Any], trusted: Sequence[VerifierKey] | None) -> list[VerifierKey]:
    if trusted:
        return list(trusted)
    return [
        VerifierKey(k["name"], _bytes(k["public_key"], "a public key"))
        for k in document.get("keys", [])
    ]


def verify_bundle(document: dict[str, Any], trusted: Sequence[VerifierKey] | None = None) -> Report:
    """Verify everything a bundle claims; :class:`BundleInvalid` at the first failure.

    :param document: the parsed bundle.
    :param trusted: keys to trust instead of those the bundle carries (pinned by the court or
        the bank's published key history).
    """
    report = Report()
    if document.get("format") != FORMAT:
        raise BundleInvalid("not a Dunwell evidence bundle")
    if document.get("version") not in SUPPORTED_VERSIONS:
        raise BundleInvalid(f"unsupported bundle version {document.get('version')}")
    keys = _keys(document, trusted)
    try:
        checkpoint = open_note(document["checkpoint"]["note"], keys)
    except (NoteError, KeyError, TypeError) as e:
        raise BundleInvalid(f"checkpoint signature wrong: {e}") from e
    if checkpoint.origin != document.get("origin"):
        raise BundleInvalid("checkpoint is from another log")
    report.ok(
        f"checkpoint of {checkpoint.origin} at size {checkpoint.size} is signed by "
        f"{'a pinned' if trusted else 'a bundled'} key"
    )
    _verify_timestamp(document, checkpoint, report)
    _verify_witnessed(document, checkpoint, keys, report)
    case = document.get("case") or {}
    chain = "prev_for_debtor" if case.get("debtor_id") else "prev_for_loan"
    _verify_entries(document.get("entries", []), checkpoint, chain, report)
    return report


def _verify_timestamp(document: dict[str, Any], checkpoint: Checkpoint, report: Report) -> None:
    token = document["checkpoint"].get("timestamp_token")
    if not token:
        report.ok("no time-stamp token (none was configured)")
        return
    reply = decode_timestamp_response(_bytes(token, "the time-stamp token"))
    roots = x509.load_pem_x509_certificates((document.get("tsa_roots") or "").encode())
    if not roots:
        raise BundleInvalid("time-stamp token present but no TSA root certificate in the bundle")
    builder = VerifierBuilder()
    for root in roots:
        builder = builder.add_root_certificate(root)
    try:
        builder.build().verify_message(reply, checkpoint.body().encode())
    except VerificationError as e:
        raise BundleInvalid(f"time-stamp token wrong: {e}") from e
    gen_time: datetime = reply.tst_info.gen_time
    report.ok(f"RFC 3161 time-stamp over the checkpoint: {gen_time.isoformat()}")


def _verify_witnessed(
    document: dict[str, Any], checkpoint: Checkpoint, keys: Sequence[VerifierKey], report: Report
) -> None:
    witnessed = document.get("witnessed")
    if not witnessed:
        return
    try:
        seen = open_note(witnessed["note"], keys)
    except NoteError as e:
        raise BundleInvalid(f"witnessed checkpoint signature wrong: {e}") from e
    if seen.size > checkpoint.size:
        raise BundleInvalid(
            f"checkpoint inconsistent: the log was rolled back to {checkpoint.size} entries after "
            f"{seen.size} were witnessed; entries from index {checkpoint.size} are missing",
            checkpoint.size,
        )
    proof = [_bytes(h, "a consistency proof hash") for h in witnessed["consistency_proof"]]
    try:
        merkle.verify_consistency(seen.size, checkpoint.size, seen.root, checkpoint.root, proof)
    except ValueError as e:
        raise BundleInvalid(f"checkpoint inconsistent with the witnessed one: {e}") from e
    report.ok(f"checkpoint extends the witnessed checkpoint of size {seen.size}")


def _verify_entries(
    entries: list[dict[str, Any]], checkpoint: Checkpoint, chain: str, report: Report
) -> None:
    """Each entry in index order; ``chain`` names the link to the case's previous entry, so a
    deleted entry in the middle of a case is named."""
    present = {int(e.get("leaf_index", -1)) for e in entries}
    for entry in sorted(entries, key=lambda e: int(e.get("leaf_index", -1))):
        index = int(entry["leaf_index"])
        leaf = _verify_entry(entry, index, checkpoint, present, chain)
        content = (
            "content matches"
            if entry.get("plaintext") is not None
            else ("content erased or withheld; the proof holds")
        )
        report.ok(f"entry {index}: {leaf.kind} at {leaf.occurred_at}: {content}")
    report.ok(f"{len(entries)} entries: content, commitments and inclusion proofs hold")


def _verify_entry(
    entry: dict[str, Any], index: int, checkpoint: Checkpoint, present: set[int], chain: str
) -> LeafData:
    data = _bytes(entry["leaf_data"], "leaf data", index)
    try:
        leaf = decode_leaf(data)
    except ValueError as e:
        raise BundleInvalid(
            "content changed: leaf data is not a canonical Dunwell leaf", index
        ) from e
    if leaf.index != index:
        raise BundleInvalid(f"entry holds the leaf of index {leaf.index}: reordered", index)
    ciphertext = _bytes(entry["ciphertext"], "ciphertext", index)
    if hashlib.sha256(ciphertext).hexdigest() != leaf.ciphertext_sha256:
        raise BundleInvalid(
            "content changed: ciphertext differs from what the leaf commits to", index
        )
    if entry.get("plaintext") is not None:
        plain = _bytes(entry["plaintext"], "plaintext", index)
        salt = _bytes(entry["salt"], "salt", index)
        if sealing.commitment(salt, plain) != leaf.commitment:
            raise BundleInvalid("content changed: plaintext differs from its commitment", index)
    previous = getattr(leaf, chain)
    if previous is not None and previous not in present:
        raise BundleInvalid(f"entry {previous} of this case is missing", previous)
    proof = [_bytes(h, "an inclusion proof hash", index) for h in entry["inclusion_proof"]]
    try:
        merkle.verify_inclusion(
            merkle.leaf_hash(data), index, checkpoint.size, proof, checkpoint.root
        )
    except ValueError as e:
        raise BundleInvalid(f"proof wrong: {e}", index) from e
    return leaf
