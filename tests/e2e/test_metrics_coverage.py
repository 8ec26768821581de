"""Every metric a dashboard or alert uses is exported by a running service, and a real Prometheus
server scraping the running services answers a dashboard's query with data."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
import yaml

from sandbox.smtp import free_port
from sandbox.stack import SERVICES
from tests.deploy.manifests import alert_queries, dashboard_queries, exported_names, metric_names
from tests.e2e.conftest import System
from tests.polling import eventually

pytestmark = pytest.mark.broker


async def exposition(system: System, service: str) -> str:
    async with (
        aiohttp.ClientSession() as session,
        session.get(system.url(service, "/metrics")) as response,
    ):
        return await response.text()


async def test_every_metric_in_dashboards_and_alerts_is_exported(system: System) -> None:
    exported: set[str] = set()
    for service in SERVICES:
        exported |= exported_names(await exposition(system, service))
    wanted = set().union(*(metric_names(q) for q in dashboard_queries() + alert_queries()))
    assert wanted
    assert wanted <= exported, f"not exported by any service: {sorted(wanted - exported)}"


def test_an_unknown_metric_in_a_dashboard_would_be_caught() -> None:
    wanted = metric_names("sum(rate(notifier_mesages_total[5m]))")
    assert wanted == {"notifier_mesages_total"}
    assert not wanted <= exported_names("# TYPE notifier_messages counter\n")


@pytest.fixture
async def prometheus(system: System, tmp_path: Path) -> AsyncIterator[str]:
    binary = shutil.which("prometheus")
    assert binary, "prometheus is required (deploy/local/prometheus.sh installs it)"
    targets = [f"127.0.0.1:{system.stack.config.ports[s]}" for s in SERVICES]
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "scrape_configs": [{"job_name": "dunwell", "static_configs": [{"targets": targets}]}],
    }
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    port = free_port()
    server = await asyncio.create_subprocess_exec(
        binary,
        f"--config.file={tmp_path / 'prometheus.yml'}",
        f"--storage.tsdb.path={tmp_path / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        await asyncio.wait_for(server.wait(), 30)


async def test_prometheus_scrapes_the_services_and_a_dashboard_query_returns_data(
    prometheus: str,
) -> None:
    # A panel that has data without traffic (the log's size), so the test needs no workload.
    query = next(q for q in dashboard_queries() if "audit_log_entries" in q)

    async def answered() -> bool:
        try:
            async with (
                aiohttp.ClientSession() as session,
                session.get(f"{prometheus}/api/v1/query", params={"query": query}) as response,
            ):
                body = await response.json()
        except aiohttp.ClientError:
            return False
        return body.get("status") == "success" and bool(body["data"]["result"])

    await eventually(answered, 90)
    await asyncio.sleep(0)
