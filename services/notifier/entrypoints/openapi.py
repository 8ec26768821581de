"""The notifier's OpenAPI 3.1 document: contacts from other senders, provider callbacks, ops."""

from __future__ import annotations

from typing import Any, Final

from services.notifier.entrypoints.openapi_calls import CALL_PATHS
from services.notifier.entrypoints.openapi_email import EMAIL_PATHS

_JSON_ERROR: Final = {
    "description": "Refused, with the reason",
    "content": {
        "application/json": {
            "schema": {"type": "object", "properties": {"error": {"type": "string"}}}
        }
    },
}


def _op(summary: str, responses: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"summary": summary, "responses": responses, **extra}


def _secret_path(provider: str, what: str) -> dict[str, Any]:
    return {
        "post": _op(
            f"{provider} {what} push (unsigned by the provider: the path carries a secret)",
            {
                "200": {"description": "Taken (repeats are taken once)"},
                "400": _JSON_ERROR,
                "404": {"description": "Unknown path secret"},
            },
            parameters=[
                {"name": "secret", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            requestBody={
                "content": {"application/json": {"schema": {"type": ["array", "object"]}}}
            },
        )
    }


_CONTACT: Final = {
    "type": "object",
    "required": ["contact_id", "debtor_id", "debt_id", "channel", "kind", "sender", "at"],
    "properties": {
        "contact_id": {"type": "string", "maxLength": 200, "description": "Unique per sender"},
        "debtor_id": {"type": "string"},
        "debt_id": {"type": "string"},
        "channel": {"enum": ["sms", "email", "wechat", "voice"]},
        "kind": {"enum": ["message_sent", "call_attempt", "call_connected", "conversation"]},
        "sender": {"type": "string", "description": "The bank's unit or agency that made it"},
        "at": {"type": "string", "format": "date-time"},
    },
}

_WECHAT_QUERY: Final = [
    {"name": n, "in": "query", "required": True, "schema": {"type": "string"}}
    for n in ("signature", "timestamp", "nonce")
]

OPENAPI: Final[dict[str, Any]] = {
    "openapi": "3.1.0",
    "info": {
        "title": "Dunwell notifier",
        "version": "1",
        "description": "Contact requests through the compliance gate to SMS, email and WeChat.",
    },
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/v1/contacts": {
            "post": _op(
                "Record a contact made by another sender (dialler, agency), for the shared caps",
                {
                    "201": {"description": "Recorded"},
                    "200": {"description": "Already recorded"},
                    "400": _JSON_ERROR,
                    "401": {"description": "No or unknown token"},
                },
                security=[{"bearer": []}],
                requestBody={
                    "required": True,
                    "content": {"application/json": {"schema": _CONTACT}},
                },
            )
        },
        **CALL_PATHS,
        **EMAIL_PATHS,
        "/v1/callbacks/aliyun/{secret}/report": _secret_path("Aliyun", "SmsReport"),
        "/v1/callbacks/aliyun/{secret}/reply": _secret_path("Aliyun", "SmsUp reply"),
        "/v1/callbacks/tencent/{secret}/report": _secret_path("Tencent", "status"),
        "/v1/callbacks/tencent/{secret}/reply": _secret_path("Tencent", "reply"),
        "/v1/callbacks/twilio/status": {
            "post": _op(
                "Twilio status callback (X-Twilio-Signature verified)",
                {"204": {"description": "Taken"}, "403": _JSON_ERROR},
                requestBody={
                    "content": {"application/x-www-form-urlencoded": {"schema": {"type": "object"}}}
                },
            )
        },
        "/v1/callbacks/twilio/inbound": {
            "post": _op(
                "Twilio inbound SMS (X-Twilio-Signature verified)",
                {"200": {"description": "Taken (empty TwiML)"}, "403": _JSON_ERROR},
                requestBody={
                    "content": {"application/x-www-form-urlencoded": {"schema": {"type": "object"}}}
                },
            )
        },
        "/v1/callbacks/wechat": {
            "get": _op(
                "WeChat server URL verification (echoes echostr when the signature holds)",
                {"200": {"description": "echostr"}, "403": _JSON_ERROR},
                parameters=[
                    *_WECHAT_QUERY,
                    {"name": "echostr", "in": "query", "schema": {"type": "string"}},
                ],
            ),
            "post": _op(
                "WeChat push: template delivery, unfollow, text messages (signed, fresh, once)",
                {"200": {"description": "success"}, "400": _JSON_ERROR, "403": _JSON_ERROR},
                parameters=_WECHAT_QUERY,
                requestBody={"content": {"text/xml": {"schema": {"type": "string"}}}},
            ),
        },
        "/healthz": {"get": _op("Liveness", {"200": {"description": "Alive"}})},
        "/readyz": {
            "get": _op(
                "Readiness", {"200": {"description": "Ready"}, "503": {"description": "Not ready"}}
            )
        },
        "/metrics": {"get": _op("Prometheus metrics", {"200": {"description": "Metrics"}})},
        "/openapi.json": {"get": _op("This document", {"200": {"description": "OpenAPI 3.1"}})},
    },
}
