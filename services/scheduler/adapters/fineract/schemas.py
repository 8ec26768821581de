"""Fineract's Avro schemas, parsed once, with the ``bigdecimal`` substitution of its build.

Fineract's schemas name the type ``"bigdecimal"``; its build replaces it with bytes of logical
type decimal (precision 20, scale 8) before generating code, and the writer-schema fingerprint
in each record's header is computed after that substitution (see avro/README.md).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any, Final

import fastavro.schema

ROOT: Final = Path(__file__).resolve().parent / "avro"
MESSAGE: Final = "org.apache.fineract.avro.MessageV1"


def _substitute(node: Any, decimal: dict[str, Any]) -> Any:
    if node == "bigdecimal":
        return dict(decimal)
    if isinstance(node, dict):
        return {k: _substitute(v, decimal) for k, v in node.items()}
    if isinstance(node, list):
        return [_substitute(v, decimal) for v in node]
    return node


@cache
def parsed() -> dict[str, Any]:
    """Every schema by full name, parsed with its references resolved."""
    decimal = json.loads((ROOT / "avro-templates" / "bigdecimal.avsc").read_text())
    raw = {}
    for path in ROOT.rglob("*.avsc"):
        if "avro-templates" in path.parts:
            continue
        document = _substitute(json.loads(path.read_text()), decimal)
        raw[f"{document['namespace']}.{document['name']}"] = document
    named: dict[str, Any] = {}
    ready: dict[str, Any] = {}
    pending = dict(raw)
    while pending:  # parse each schema once every type it refers to is known
        progressed = False
        for name, document in list(pending.items()):
            try:
                ready[name] = fastavro.schema.parse_schema(document, named_schemas=named)
            except fastavro.schema.UnknownType:
                continue
            del pending[name]
            progressed = True
        if not progressed:
            raise RuntimeError(f"unresolvable Fineract schemas: {sorted(pending)}")
    return ready


@cache
def by_fingerprint() -> dict[bytes, str]:
    """Full schema name by its CRC-64-AVRO fingerprint as the single-object header holds it."""
    return {fingerprint_of(name): name for name in parsed()}


def fingerprint_of(name: str) -> bytes:
    """The 8 header bytes of a schema (fastavro returns them little-endian, as Java writes)."""
    canonical = fastavro.schema.to_parsing_canonical_form(parsed()[name])
    return bytes.fromhex(fastavro.schema.fingerprint(canonical, "CRC-64-AVRO"))
