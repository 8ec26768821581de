"""Fineract's Avro schemas, parsed once, with the ``bigdecimal`` substitution of its build.

Fineract's schemas name the type ``"bigdecimal"``; its build replaces it with bytes of logical
type decimal (precision 20, scale 8) before generating code, and the writer-schema fingerprint
in each record's header is computed after that substitution (see avro/README.md).

The fingerprint is that of the schema as the generated Java class holds it (``SCHEMA$``): every
named type it refers to (CurrencyDataV1, RepaymentDueDataV1, ...) is *defined* at its first
occurrence and named after that. That is what :func:`java_document` rebuilds.
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
def documents() -> dict[str, Any]:
    """Every schema document by full name, ``bigdecimal`` substituted, references by name."""
    decimal = json.loads((ROOT / "avro-templates" / "bigdecimal.avsc").read_text())
    raw = {}
    for path in ROOT.rglob("*.avsc"):
        if "avro-templates" in path.parts:
            continue
        document = _substitute(json.loads(path.read_text()), decimal)
        raw[f"{document['namespace']}.{document['name']}"] = document
    return raw


@cache
def parsed() -> dict[str, Any]:
    """Every schema by full name, parsed with its references resolved."""
    named: dict[str, Any] = {}
    ready: dict[str, Any] = {}
    pending = dict(documents())
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


def java_document(name: str) -> Any:
    """The schema ``name`` with every named type it uses defined inline at first occurrence."""
    return _inline(documents()[name], "", set())


def _inline(node: Any, namespace: str, defined: set[str]) -> Any:
    if isinstance(node, str):
        full = node if "." in node else f"{namespace}.{node}" if namespace else node
        if full in documents() and full not in defined:
            return _inline(documents()[full], namespace, defined)
        return full if full in documents() else node
    if isinstance(node, list):
        return [_inline(branch, namespace, defined) for branch in node]
    if not isinstance(node, dict):
        return node
    if node.get("type") in ("record", "enum", "fixed"):
        namespace = node.get("namespace", namespace)
        defined.add(f"{namespace}.{node['name']}" if "." not in node["name"] else node["name"])
    inlined = dict(node)
    for key in ("items", "values"):
        if key in node:
            inlined[key] = _inline(node[key], namespace, defined)
    if isinstance(node.get("type"), dict | list) or (
        isinstance(node.get("type"), str) and node.get("type") not in _KEYWORDS
    ):
        inlined["type"] = _inline(node["type"], namespace, defined)
    if "fields" in node:
        inlined["fields"] = [
            {**f, "type": _inline(f["type"], namespace, defined)} for f in node["fields"]
        ]
    return inlined


#: Type names that are Avro's own, never a reference to a named schema.
_KEYWORDS: Final = frozenset(
    {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}
    | {"record", "enum", "array", "map", "fixed"}
)


def fingerprint_of(name: str) -> bytes:
    """The 8 header bytes of a schema, as Java writes them: the little-endian CRC-64-AVRO of
    the parsing canonical form of :func:`java_document`."""
    schema = fastavro.schema.parse_schema(java_document(name), named_schemas={})
    canonical = fastavro.schema.to_parsing_canonical_form(schema)
    return bytes.fromhex(fastavro.schema.fingerprint(canonical, "CRC-64-AVRO"))
