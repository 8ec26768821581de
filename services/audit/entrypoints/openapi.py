"""The audit service's OpenAPI 3.1 document."""

from __future__ import annotations

from typing import Any, Final

_ERROR: Final = {"description": "Refused, with the reason in the status line"}
_AUTH: Final[list[dict[str, list[str]]]] = [{"bearer": []}]


def _op(summary: str, responses: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"summary": summary, "responses": {**responses, "400": _ERROR}, **extra}


def _q(name: str, required: bool = False) -> dict[str, Any]:
    schema = {"type": "integer"} if name in ("from", "to", "limit") else {"type": "string"}
    return {"name": name, "in": "query", "required": required, "schema": schema}


_RECORD: Final = {
    "type": "object",
    "required": ["kind", "record_id", "debtor_id", "agent_id"],
    "properties": {
        "kind": {"enum": ["call_logged", "visit_recorded", "recording_hashed"]},
        "record_id": {"type": "string"},
        "debtor_id": {"type": "string"},
        "loan_id": {"type": "string"},
        "agent_id": {"type": "string"},
        "started_at": {"type": "string", "format": "date-time"},
        "duration_s": {"type": "integer", "minimum": 0},
        "summary": {"type": "string", "maxLength": 2000},
        "borrower_feedback": {"type": "string", "maxLength": 2000},
        "visited_at": {"type": "string", "format": "date-time"},
        "place": {"type": "string"},
        "outcome": {"type": "string"},
        "call_record_id": {"type": "string"},
        "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        "recorded_at": {"type": "string", "format": "date-time"},
    },
}
_AUTHED: Final = {
    "401": {"description": "No or unknown token"},
    "403": {"description": "Token lacks the role"},
}

OPENAPI: Final[dict[str, Any]] = {
    "openapi": "3.1.0",
    "info": {
        "title": "Dunwell audit",
        "version": "1",
        "description": "Tamper-evident evidence log (RFC 9162 Merkle tree, C2SP checkpoints).",
    },
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/v1/records": {
            "post": _op(
                "Append an agent's record (role: agent)",
                {
                    "201": {"description": "Appended"},
                    "200": {"description": "Already in the log"},
                    "422": {"description": "Invalid record"},
                    **_AUTHED,
                },
                security=_AUTH,
                requestBody={
                    "required": True,
                    "content": {"application/json": {"schema": _RECORD}},
                },
            )
        },
        "/v1/timeline": {
            "get": _op(
                "A case's decrypted timeline (role: auditor; or a desk case grant for its one"
                " loan); the read is logged under the reader's id",
                {"200": {"description": "Entries in index order"}, **_AUTHED},
                security=_AUTH,
                parameters=[_q("debtor_id"), _q("loan_id"), _q("kind"), _q("limit")],
            )
        },
        "/v1/entries/{index}": {
            "get": _op(
                "One entry with its inclusion proof to the latest checkpoint (role: auditor)",
                {"200": {"description": "Entry and proof"}, "404": _ERROR, **_AUTHED},
                security=_AUTH,
                parameters=[
                    {
                        "name": "index",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer", "minimum": 0},
                    }
                ],
            )
        },
        "/v1/proofs/consistency": {
            "get": _op(
                "Consistency proof between two tree sizes (role: auditor)",
                {"200": {"description": "Proof and both roots"}, **_AUTHED},
                security=_AUTH,
                parameters=[_q("from", True), _q("to", True)],
            )
        },
        "/v1/checkpoint": {
            "get": _op(
                "The latest signed checkpoint (C2SP signed note)",
                {"200": {"description": "text/plain note"}, "404": _ERROR},
            )
        },
        "/v1/keys": {"get": _op("The log's public key history", {"200": {"description": "Keys"}})},
        "/v1/bundles": {
            "post": _op(
                "Export a case's evidence bundle (role: auditor); the export is logged",
                {"200": {"description": "Bundle JSON"}, "404": _ERROR, **_AUTHED},
                security=_AUTH,
                requestBody={
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "debtor_id": {"type": "string"},
                                    "loan_id": {"type": "string"},
                                },
                            }
                        }
                    },
                },
            )
        },
        "/v1/verify": {
            "post": _op(
                "Is this message code genuine? (public, rate-limited)",
                {
                    "200": {
                        "description": "genuine, sent_on, channel, institution, account_masked, "
                        "and always the bank's official hotline"
                    },
                    "429": {"description": "Too many lookups"},
                },
                requestBody={
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["code"],
                                "properties": {
                                    "code": {"type": "string", "minLength": 4, "maxLength": 16},
                                    "lang": {"type": "string", "enum": ["zh-CN", "en"]},
                                },
                            }
                        }
                    },
                },
            )
        },
        "/verify": {
            "get": _op(
                "The borrower's verification page (zh-CN / en)",
                {"200": {"description": "HTML"}},
                parameters=[_q("lang")],
            )
        },
        "/metrics": {"get": _op("Prometheus metrics", {"200": {"description": "Exposition"}})},
        "/healthz": {"get": _op("Liveness", {"200": {"description": "Alive"}})},
        "/readyz": {
            "get": _op(
                "Readiness", {"200": {"description": "Ready"}, "503": {"description": "Not ready"}}
            )
        },
    },
}
