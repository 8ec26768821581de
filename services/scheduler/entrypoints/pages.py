"""The scheduler's ops pages on faust's web server: metrics, liveness, readiness."""

from __future__ import annotations

from typing import Any, cast

import faust
from faust.tables.manager import TableManager
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest


def add_pages(app: faust.App) -> None:
    """``/metrics``, ``/healthz`` and ``/readyz``."""

    @app.page("/metrics")
    async def metrics(web: Any, request: Any) -> Any:
        # aiohttp wants the charset apart from the media type.
        return web.bytes(generate_latest(), content_type=CONTENT_TYPE_LATEST.split(";")[0])

    @app.page("/healthz")
    async def healthz(web: Any, request: Any) -> Any:
        return web.json({"ok": True})

    @app.page("/readyz")
    async def readyz(web: Any, request: Any) -> Any:
        # Ready once partitions are assigned, tables recovered and streams seeked.
        recovered = cast(TableManager, app.tables).recovery.completed.is_set()
        ready = recovered and not app.rebalancing and not app.in_recovery
        return web.json({"ok": ready}, status=200 if ready else 503)
