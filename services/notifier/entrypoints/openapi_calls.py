"""The pre-call gate's part of the notifier's OpenAPI document."""

from __future__ import annotations

from typing import Any, Final

_ID: Final = {"type": "string", "pattern": r"^[\w.:|\-]+$", "minLength": 1, "maxLength": 128}
_ERROR: Final = {
    "description": "Refused, with the reason",
    "content": {
        "application/json": {
            "schema": {"type": "object", "properties": {"error": {"type": "string"}}}
        }
    },
}
_ACTIONS: Final = [
    "promise_to_pay",
    "extension_request",
    "instalment_request",
    "dispute",
    "complaint",
    "already_paid",
    "reschedule_visit",
    "wrong_party",
    "stop_calling",
]

ASK: Final[dict[str, Any]] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["idempotency_key", "debtor_id", "debt_id", "number", "sender", "agent_id"],
    "properties": {
        "idempotency_key": {
            "type": "string",
            "minLength": 1,
            "maxLength": 200,
            "description": "The caller's key: a repeat gets the first answer back",
        },
        "debtor_id": _ID,
        "debt_id": _ID,
        "number": {"type": "string", "pattern": r"^\+[1-9]\d{6,14}$", "description": "E.164"},
        "sender": {**_ID, "description": "The bank's unit or the agency that would call"},
        "agent_id": _ID,
        "purpose": {"enum": ["collection", "reminder", "callback", "location_inquiry"]},
    },
}

ANSWER: Final[dict[str, Any]] = {
    "type": "object",
    "properties": {
        "call_id": {"type": "string"},
        "state": {"enum": ["reserved", "expired", "refused", "reported"]},
        "outcome": {"enum": ["ALLOW", "DEFER", "BLOCK", "ESCALATE"]},
        "until": {"type": ["string", "null"], "format": "date-time"},
        "rules": {"type": "array", "items": {"type": "string"}},
        "reasons": {"type": "array", "items": {"type": "string"}},
        "reservation": {
            "type": ["object", "null"],
            "properties": {
                "id": {"type": "string"},
                "expires_at": {"type": "string", "format": "date-time"},
            },
        },
    },
}

REPORT: Final[dict[str, Any]] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["status", "started_at", "duration_s", "agent_id"],
    "properties": {
        "status": {
            "enum": ["attempted", "connected", "no_answer", "busy", "wrong_number", "third_party"]
        },
        "started_at": {"type": "string", "format": "date-time"},
        "duration_s": {"type": "integer", "minimum": 0, "maximum": 86400},
        "agent_id": _ID,
        "summary": {"type": "string", "maxLength": 500},
        "feedback": {"type": "string", "maxLength": 500},
        "dispositions": {
            "type": "array",
            "maxItems": 10,
            "description": "Only for an answered call (connected, wrong_number, third_party)",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["kind"],
                "properties": {
                    "kind": {"enum": _ACTIONS},
                    "amount": {"type": "number", "minimum": 0},
                    "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
                    "on": {
                        "type": "string",
                        "format": "date",
                        "description": "Promise date, extension end, or the visit's new day",
                    },
                },
            },
        },
    },
}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


CALL_PATHS: Final[dict[str, Any]] = {
    "/v1/calls": {
        "post": {
            "summary": "May I call this number now? ALLOW with a reservation, DEFER until a "
            "permitted time, BLOCK or ESCALATE with reasons",
            "security": [{"bearer": []}],
            "requestBody": {"required": True, **_json(ASK)},
            "responses": {
                "201": {"description": "Decided", **_json(ANSWER)},
                "200": {"description": "Decided before under this key", **_json(ANSWER)},
                "400": _ERROR,
                "401": {"description": "No or unknown token"},
                "409": _ERROR,
            },
        }
    },
    "/v1/calls/{call_id}/outcome": {
        "post": {
            "summary": "How the call went: counted against the caps, kept as evidence, its "
            "dispositions sent to the scheduler; once",
            "security": [{"bearer": []}],
            "parameters": [
                {"name": "call_id", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "requestBody": {"required": True, **_json(REPORT)},
            "responses": {
                "201": {"description": "Recorded"},
                "200": {"description": "Recorded before"},
                "400": _ERROR,
                "401": {"description": "No or unknown token"},
                "404": _ERROR,
                "409": _ERROR,
            },
        }
    },
}
