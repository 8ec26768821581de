"""Ops endpoints for every service: ``/metrics``, ``/healthz`` (liveness), ``/readyz`` (readiness).

Liveness answers "is this process still doing its job" (a stuck loop restarts the pod) and never
depends on Kafka being reachable: a broker outage must not restart every pod. Readiness gates
rollouts and traffic: it reports the checks the service registered.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Final

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

Check = Callable[[], Awaitable[bool] | bool]


@dataclass
class Health:
    """Named liveness and readiness checks a service registers while it starts."""

    liveness: dict[str, Check] = field(default_factory=dict)
    readiness: dict[str, Check] = field(default_factory=dict)

    async def report(self, checks: dict[str, Check]) -> tuple[bool, dict[str, bool]]:
        """Run ``checks``; all must pass.

        :param checks: ``liveness`` or ``readiness``.
        """
        results: dict[str, bool] = {}
        for name, check in checks.items():
            outcome = check()
            results[name] = bool(await outcome if isinstance(outcome, Awaitable) else outcome)
        return all(results.values()), results


health_key: Final = web.AppKey("health", Health)


def add_ops_routes(
    app: web.Application, health: Health, registry: CollectorRegistry = REGISTRY
) -> None:
    """Register ``/metrics``, ``/healthz`` and ``/readyz`` on an aiohttp application.

    :param app: the service's application.
    :param health: the checks to report.
    :param registry: the Prometheus registry to expose.
    """
    app[health_key] = health

    async def metrics(_: web.Request) -> web.Response:
        body = generate_latest(registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def healthz(_: web.Request) -> web.Response:
        ok, results = await health.report(health.liveness)
        return web.json_response({"ok": ok, "checks": results}, status=200 if ok else 503)

    async def readyz(_: web.Request) -> web.Response:
        ok, results = await health.report(health.readiness)
        return web.json_response({"ok": ok, "checks": results}, status=200 if ok else 503)

    app.router.add_get("/metrics", metrics)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
