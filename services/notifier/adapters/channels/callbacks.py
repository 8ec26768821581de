"""Helpers the providers' callback plugs share: secret paths, JSON arrays."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from services.notifier.domain.inbound import (
    Answer,
    CallbackRefused,
    CallbackRequest,
    Inbound,
    Receipt,
    Reply,
    same,
)


def check_path_secret(request: CallbackRequest, secret: str) -> None:
    """Unsigned pushes (Aliyun, Tencent) carry a secret in the URL: a wrong one is not found."""
    if not same(request.params.get("secret", ""), secret):
        raise CallbackRefused(404, "unknown path secret")


def json_items(body: bytes) -> list[dict[str, Any]]:
    """A JSON object or an array of objects, as a list."""
    try:
        data = json.loads(body)
    except ValueError as e:
        raise CallbackRefused(400, "body is not JSON") from e
    items = data if isinstance(data, list) else [data]
    if not all(isinstance(i, dict) for i in items):
        raise CallbackRefused(400, "expected a JSON object or an array of objects")
    return items


@dataclass(frozen=True)
class SecretPathCallbacks:
    """The plug of a provider that pushes receipts to ``/{secret}/report`` and replies to
    ``/{secret}/reply`` unsigned (Aliyun, Tencent), answering each push with ``taken``."""

    path_secret: str
    parse_receipts: Callable[[bytes], list[Receipt]]
    parse_replies: Callable[[bytes], list[Reply]]
    taken: Answer
    routes: tuple[tuple[str, str], ...] = (
        ("POST", "/{secret}/report"),
        ("POST", "/{secret}/reply"),
    )

    def authenticate(self, request: CallbackRequest) -> None:
        check_path_secret(request, self.path_secret)

    def read(self, request: CallbackRequest) -> Inbound:
        self.authenticate(request)
        if request.route.endswith("/report"):
            return Inbound(self.parse_receipts(request.body), self.taken)
        return Inbound(self.parse_replies(request.body), self.taken)
