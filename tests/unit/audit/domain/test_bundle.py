"""The evidence bundle document, as the offline verifier reads it."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from services.audit.domain.bundle import FORMAT, VERSION, bundle_document, entry_document
from services.audit.domain.keys import PublishedKey
from services.audit.domain.opening import Opened
from services.audit.domain.rows import CheckpointRow, LeafRow

AT = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)


def test_an_entry_carries_leaf_ciphertext_content_salt_and_proof() -> None:
    row = LeafRow(3, "e", "k", "d1", None, b"leaf", b"ct")
    document = entry_document(Opened(row, None, b"plain", b"salt"), [b"h" * 32])
    assert document["leaf_index"] == 3
    assert base64.b64decode(document["leaf_data"]) == b"leaf"
    assert base64.b64decode(document["plaintext"]) == b"plain"
    assert [base64.b64decode(h) for h in document["inclusion_proof"]] == [b"h" * 32]
    erased = entry_document(Opened(row, None, None, None), [])
    assert (erased["plaintext"], erased["salt"]) == (None, None)


def test_the_bundle_names_its_format_case_checkpoint_and_keys() -> None:
    key = PublishedKey(name="log", public_key="a2V5", valid_from=AT)
    document = bundle_document(
        origin="log",
        exported_at=AT,
        exported_by="auditor",
        case=("d1", None),
        checkpoint=CheckpointRow(1, b"r" * 32, "note", AT, b"token"),
        witnessed=None,
        keys=[key],
        tsa_roots_pem=None,
        entries=[],
    )
    assert (document["format"], document["version"]) == (FORMAT, VERSION)
    assert document["case"] == {"debtor_id": "d1", "loan_id": None}
    assert document["checkpoint"] == {"note": "note", "timestamp_token": "dG9rZW4="}
    assert document["keys"][0]["name"] == "log"
    assert document["exported_at"] == "2026-03-04T09:00:00+00:00"
