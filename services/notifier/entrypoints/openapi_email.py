"""The OpenAPI paths of the notifier's email routes: RFC 8058 one-click unsubscribe."""

from __future__ import annotations

from typing import Any, Final

_TOKEN: Final = [
    {
        "name": "token",
        "in": "path",
        "required": True,
        "description": "The signed, expiring link token from the email's List-Unsubscribe",
        "schema": {"type": "string"},
    }
]
_ERROR: Final = {
    "description": "Refused, with the reason (400 unreadable, 403 not signed by us, 410 expired)",
    "content": {
        "application/json": {
            "schema": {"type": "object", "properties": {"error": {"type": "string"}}}
        }
    },
}
_PAGE: Final = {"text/html": {"schema": {"type": "string"}}}
_ONE_CLICK: Final = {
    "type": "object",
    "required": ["List-Unsubscribe"],
    "properties": {"List-Unsubscribe": {"const": "One-Click"}},
}

EMAIL_PATHS: Final[dict[str, Any]] = {
    "/v1/email/unsubscribe/{token}": {
        "get": {
            "summary": "The confirmation page (changes nothing; its button posts the one-click)",
            "parameters": _TOKEN,
            "responses": {
                "200": {"description": "The page, in the borrower's language", "content": _PAGE},
                "400": {"description": "Not an unsubscribe link", "content": _PAGE},
                "403": {"description": "Not signed by the bank", "content": _PAGE},
                "410": {"description": "Expired", "content": _PAGE},
            },
        },
        "post": {
            "summary": "One-click unsubscribe (RFC 8058): the same opt-out as a reply 退订",
            "parameters": _TOKEN,
            "requestBody": {
                "required": True,
                "content": {
                    "application/x-www-form-urlencoded": {"schema": _ONE_CLICK},
                    "multipart/form-data": {"schema": _ONE_CLICK},
                },
            },
            "responses": {
                "200": {"description": "Unsubscribed (repeats change nothing)", "content": _PAGE},
                "400": _ERROR,
                "403": _ERROR,
                "410": _ERROR,
            },
        },
    }
}
