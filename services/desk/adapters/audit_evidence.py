"""The audit service's timeline over HTTP (``/v1/timeline``), read with a person's case grant."""

from __future__ import annotations

from typing import Any

import aiohttp

from services.desk.domain.evidence import EvidenceUnavailable


class HttpEvidenceLog:
    """:class:`~services.desk.ports.EvidenceLog` at the audit service's ``base_url``."""

    def __init__(self, base_url: str, session: aiohttp.ClientSession) -> None:
        self._base, self._session = base_url.rstrip("/"), session

    async def timeline(self, loan_id: str, grant: str) -> list[dict[str, Any]]:
        headers = {"Authorization": f"Bearer {grant}"}
        try:
            async with self._session.get(
                f"{self._base}/v1/timeline", params={"loan_id": loan_id}, headers=headers
            ) as response:
                if response.status != 200:
                    raise EvidenceUnavailable(f"the evidence log answered {response.status}")
                answer = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as e:
            raise EvidenceUnavailable(f"the evidence log is unreachable: {type(e).__name__}") from e
        entries = answer.get("entries") if isinstance(answer, dict) else None
        if not isinstance(entries, list):
            raise EvidenceUnavailable("the evidence log's answer has no entries")
        return [e for e in entries if isinstance(e, dict)]
