"""The notifier's pre-call gate over HTTP (``/v1/calls``), with the desk's bearer token."""

from __future__ import annotations

from typing import Any

import aiohttp

from services.desk.domain.calls import (
    CallAsk,
    CallReport,
    GateAnswer,
    GateRefused,
    GateUnavailable,
)


class HttpCallGate:
    """:class:`~services.desk.ports.CallGate` at the notifier's ``base_url``."""

    def __init__(self, base_url: str, token: str, session: aiohttp.ClientSession) -> None:
        self._base, self._session = base_url.rstrip("/"), session
        self._headers = {"Authorization": f"Bearer {token}"}

    async def _post(self, path: str, body: str) -> dict[str, Any]:
        headers = {**self._headers, "Content-Type": "application/json"}
        try:
            async with self._session.post(
                self._base + path, data=body, headers=headers
            ) as response:
                answer = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as e:
            raise GateUnavailable(f"the pre-call gate is unreachable: {type(e).__name__}") from e
        if response.status >= 500 or response.status in (401, 403):
            raise GateUnavailable(f"the pre-call gate answered {response.status}")
        if response.status >= 400 or not isinstance(answer, dict):
            why = answer.get("error") if isinstance(answer, dict) else None
            raise GateRefused(str(why or f"the pre-call gate answered {response.status}"))
        return answer

    async def ask(self, ask: CallAsk) -> GateAnswer:
        answer = await self._post("/v1/calls", ask.model_dump_json())
        reservation = answer.get("reservation") or {}
        return GateAnswer.model_validate(
            {**answer, "reserved_until": reservation.get("expires_at")}
        )

    async def report(self, call_id: str, report: CallReport) -> bool:
        answer = await self._post(f"/v1/calls/{call_id}/outcome", report.model_dump_json())
        return bool(answer.get("recorded"))
