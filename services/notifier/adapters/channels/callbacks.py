"""Helpers the providers' callback plugs share: secret paths, JSON arrays, nonces."""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any

from services.notifier.domain.inbound import FRESHNESS_S, CallbackRefused, CallbackRequest, same


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


class NonceCache:
    """Nonces seen within the freshness window (one process; the store dedupes the rest)."""

    def __init__(self, size: int = 100_000) -> None:
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._size = size

    def first_time(self, nonce: str, now: float) -> bool:
        while self._seen and (next(iter(self._seen.values())) < now - FRESHNESS_S):
            self._seen.popitem(last=False)
        if nonce in self._seen:
            return False
        self._seen[nonce] = now
        if len(self._seen) > self._size:
            self._seen.popitem(last=False)
        return True
