"""Writer-schema fingerprints as Fineract's Java code computes them.

The expected value is derived without the code under test: the parsing canonical form below is
written by hand from the Avro specification ("Parsing Canonical Form for Schemas": full names,
only name/type/fields/symbols/items/values/size, no whitespace) with the referenced named type
defined inline where Java's generated ``SCHEMA$`` defines it, and fingerprinted with the
CRC-64-AVRO (Rabin) algorithm exactly as the specification's reference code states it.
"""

from __future__ import annotations

import json

from services.scheduler.adapters.fineract.schemas import (
    by_fingerprint,
    fingerprint_of,
    java_document,
)

NS = "org.apache.fineract.avro.loan.v1"
#: LoanAccountsStayedLockedDataV1 refers to LoanAccountStayedLockedDataV1 by name in its .avsc
#: file; Java's SCHEMA$ (and so its fingerprint) holds that type's whole definition there.
HAND_MADE_CANONICAL_FORM = (
    '{"name":"org.apache.fineract.avro.loan.v1.LoanAccountsStayedLockedDataV1","type":"record",'
    '"fields":[{"name":"loanAccounts","type":{"type":"array","items":'
    '{"name":"org.apache.fineract.avro.loan.v1.LoanAccountStayedLockedDataV1","type":"record",'
    '"fields":[{"name":"id","type":"long"},{"name":"externalId","type":["null","string"]},'
    '{"name":"accountNo","type":["null","string"]}]}}}]}'
)
EMPTY = 0xC15D213AA4D7A795  # the specification's CRC-64-AVRO initial value and polynomial


def rabin_table() -> list[int]:
    table = []
    for i in range(256):
        fp = i
        for _ in range(8):
            fp = (fp >> 1) ^ (EMPTY & -(fp & 1))
        table.append(fp)
    return table


def crc64_avro(data: bytes) -> int:
    table = rabin_table()
    fp = EMPTY
    for byte in data:
        fp = (fp >> 8) ^ table[(fp ^ byte) & 0xFF]
    return fp


def test_the_rabin_code_matches_the_specifications_empty_string() -> None:
    assert crc64_avro(b"") == EMPTY


def test_a_schema_that_refers_to_another_is_fingerprinted_with_it_inlined() -> None:
    expected = crc64_avro(HAND_MADE_CANONICAL_FORM.encode()).to_bytes(8, "little")
    assert fingerprint_of(f"{NS}.LoanAccountsStayedLockedDataV1") == expected


def test_a_schema_without_references_keeps_its_own_form() -> None:
    form = (
        '{"name":"org.apache.fineract.avro.loan.v1.LoanAccountStayedLockedDataV1","type":"record",'
        '"fields":[{"name":"id","type":"long"},{"name":"externalId","type":["null","string"]},'
        '{"name":"accountNo","type":["null","string"]}]}'
    )
    expected = crc64_avro(form.encode()).to_bytes(8, "little")
    assert fingerprint_of(f"{NS}.LoanAccountStayedLockedDataV1") == expected


def test_a_type_used_twice_is_defined_at_its_first_use_and_named_after() -> None:
    document = json.dumps(java_document(f"{NS}.LoanAccountDelinquencyRangeDataV1"))
    currency = "org.apache.fineract.avro.generic.v1.CurrencyDataV1"
    assert document.count('"name": "CurrencyDataV1"') == 1
    assert document.index('"name": "CurrencyDataV1"') < document.index(f'"{currency}"')


def test_every_shipped_schema_has_its_own_fingerprint() -> None:
    assert len(by_fingerprint()) == len({fingerprint_of(n) for n in by_fingerprint().values()})
    assert len(by_fingerprint()) == 76
