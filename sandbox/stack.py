"""Runs Dunwell's services as real processes on one machine (``make run``, e2e tests)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import IO, Final
from zoneinfo import ZoneInfo

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from sandbox.containers import container_command, container_name, kill_container
from sandbox.people import audit_env, console_env, desk_env, identity_env
from sandbox.providers.core import Credentials
from services.notifier.domain.institution import EXAMPLE_TEXTS, FIELD_OF

SERVICES: Final = ("audit", "notifier", "scheduler", "desk")
#: Local-only bearer tokens of the audit API (make run prints them).
LOCAL_TOKENS: Final = {
    "auditor": {"token": "local-auditor-token", "role": "auditor"},
    "crm": {"token": "local-agent-token", "role": "agent"},
}
#: Local-only bearer token of the notifier's dialler and agency API (/v1/contacts, /v1/calls).
LOCAL_DIALLER_TOKEN: Final = "local-dialler-token"  # noqa: S105 - a local-only value


SHANGHAI = ZoneInfo("Asia/Shanghai")


def run_date() -> date:
    """The business date a demo or test run is set on: ``DUNWELL_TEST_DATE`` or today in
    Shanghai (the local books, the gate's clock and the end-to-end checks all read it)."""
    given = os.environ.get("DUNWELL_TEST_DATE")
    return date.fromisoformat(given) if given else datetime.now(SHANGHAI).date()


def morning_of(day: date) -> str:
    """09:00 in Shanghai on ``day``, as the notifier's ``CLOCK_START`` takes it."""
    return f"{day.isoformat()}T09:00:00+08:00"


@dataclass(frozen=True)
class StackConfig:
    """Where the stack's processes connect and listen."""

    bootstrap_servers: str
    workdir: Path
    smtp_port: int
    namespace: str = ""
    ports: dict[str, int] = field(
        default_factory=lambda: {"audit": 8082, "notifier": 8081, "scheduler": 8083, "desk": 8084}
    )
    log_level: str = "INFO"
    #: Run each service as a container of this image (see sandbox.containers), not a process.
    image: str | None = None
    #: The notifier's gate clock starts here: 09:00 in Shanghai on ``DUNWELL_TEST_DATE`` (tests
    #: pin it, by default to a 2027 date) or today: demos and tests behave the same at any hour.
    notifier_clock_start: str = field(default_factory=lambda: morning_of(run_date()))
    #: The provider sandbox (SMS and WeChat); None leaves the notifier with email only.
    providers_url: str | None = None
    credentials: Credentials = field(default_factory=Credentials)
    #: The local identity provider (sandbox.identity): the desk takes its tokens too.
    identity_url: str | None = None
    #: The notifier's approved-template registry, when not the shipped one (tests).
    notifier_templates: Path | None = None

    def env(self, service: str) -> dict[str, str]:
        """The environment of one service's process."""
        prefix = f"DUNWELL_{service.upper()}_"
        env = {
            prefix + "KAFKA__BOOTSTRAP_SERVERS": self.bootstrap_servers,
            prefix + "KAFKA__TOPIC_NAMESPACE": self.namespace,
            prefix + "HTTP_HOST": "127.0.0.1",
            prefix + "HTTP_PORT": str(self.ports[service]),
            prefix + "LOG_LEVEL": self.log_level,
            prefix + "SHUTDOWN_GRACE_S": "10",
        }
        if service in ("audit", "notifier", "desk"):
            env[prefix + "DATABASE_URL"] = f"sqlite+aiosqlite:///{self.workdir / service}.db"
            env.update(identity_env(prefix, self.identity_url))
        if service == "audit":
            env[prefix + "API_TOKENS"] = json.dumps(LOCAL_TOKENS)
            env.update(audit_env(prefix, self.workdir, self.ports["desk"]))
            for locale, texts in EXAMPLE_TEXTS.items():  # the verification page's bank
                key = f"{prefix}INSTITUTION__{FIELD_OF[locale].upper()}__"
                env[key + "NAME"] = texts.name
                env[key + "OFFICIAL_HOTLINE"] = texts.official_hotline
        if service == "notifier":
            env.update(self._notifier_env(prefix))
        if service == "scheduler":
            env[prefix + "DATADIR"] = str(self.workdir / "scheduler")
            env[prefix + "SWEEP_AT"] = ""  # no timer's close: the local books close their days
        if service == "desk":
            env.update(desk_env(prefix, self.ports["audit"]))
            gate = (self.ports["notifier"], LOCAL_DIALLER_TOKEN)
            env.update(console_env(prefix, self.identity_url, *gate))
            env[prefix + "CLOCK_START"] = self.notifier_clock_start
        return env

    def _notifier_env(self, prefix: str) -> dict[str, str]:
        env = {
            prefix + "SMTP_PORT": str(self.smtp_port),
            **institution_env(prefix, f"http://127.0.0.1:{self.ports['audit']}/verify"),
            prefix + "CLOCK_START": self.notifier_clock_start,
            prefix + "DEFERRAL_POLL_S": "1",
            prefix + "PUBLIC_BASE_URL": f"http://127.0.0.1:{self.ports['notifier']}",
            prefix + "CALLBACK_SECRET": self.credentials.callback_secret,
            prefix + "CONTACTS_TOKEN": LOCAL_DIALLER_TOKEN,
        }
        if self.notifier_templates is not None:
            env[prefix + "TEMPLATES_FILE"] = str(self.notifier_templates)
        if self.providers_url:
            env.update(provider_env(prefix, self.providers_url, self.credentials))
        return env


def institution_env(prefix: str, verification_url: str) -> dict[str, str]:
    """The example bank's texts in both locales (development mode: production refuses them),
    with the verification page of this stack's audit service, so a code can be checked."""
    env = {prefix + "ENVIRONMENT": "development"}
    for locale, texts in EXAMPLE_TEXTS.items():
        for name, value in (texts.model_dump() | {"verification_url": verification_url}).items():
            env[f"{prefix}INSTITUTION__{FIELD_OF[locale].upper()}__{name.upper()}"] = value
    return env


def provider_env(prefix: str, url: str, c: Credentials) -> dict[str, str]:
    """Point the notifier's SMS (Aliyun, then Tencent) and WeChat clients at the sandbox."""
    return {
        prefix + "SMS_PROVIDERS": '["aliyun", "tencent"]',
        prefix + "SMS_SIGN_NAME": c.sign_name,
        prefix + "ALIYUN__ENDPOINT": f"{url}/aliyun/",
        prefix + "ALIYUN__ACCESS_KEY_ID": c.aliyun_key_id,
        prefix + "ALIYUN__ACCESS_KEY_SECRET": c.aliyun_secret,
        prefix + "TENCENT__ENDPOINT": f"{url}/tencent/",
        prefix + "TENCENT__SECRET_ID": c.tencent_secret_id,
        prefix + "TENCENT__SECRET_KEY": c.tencent_secret_key,
        prefix + "TENCENT__SDK_APP_ID": c.tencent_app_id,
        prefix + "TWILIO__ENDPOINT": f"{url}/twilio",
        prefix + "TWILIO__ACCOUNT_SID": c.twilio_sid,
        prefix + "TWILIO__AUTH_TOKEN": c.twilio_token,
        prefix + "TWILIO__FROM_NUMBER": c.twilio_from,
        prefix + "WECHAT__ENDPOINT": f"{url}/wechat",
        prefix + "WECHAT__APP_ID": c.wechat_app_id,
        prefix + "WECHAT__APP_SECRET": c.wechat_secret,
        prefix + "WECHAT__CALLBACK_TOKEN": c.wechat_token,
        prefix + "WECHAT__ENCRYPTION": c.wechat_encryption,
        prefix + "WECHAT__ENCODING_AES_KEY": c.wechat_aes_key,
        prefix + "PROVIDER_TIMEOUT_S": "3",
    }


class Stack:
    """Start, watch and stop the service processes; logs go to ``<workdir>/<name>.log``.

    Each process has a name: its service's, or another for a second instance of a service
    (``start("notifier", name="notifier-2", port=...)``); the methods take either.
    """

    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.ports: dict[str, int] = dict(config.ports)
        self.extra_env: dict[str, dict[str, str]] = {}
        self._logs: dict[str, IO[bytes]] = {}
        self._born = time.time()

    def start(
        self,
        service: str,
        extra_env: dict[str, str] | None = None,
        *,
        name: str | None = None,
        port: int | None = None,
    ) -> None:
        """Start one service's process (again, after a kill, with the settings it had).

        :param extra_env: settings that override the stack's for this process.
        :param name: the process's name, for a second instance of a service.
        :param port: its HTTP port (a second instance needs its own).
        """
        name = name or service
        if port is not None:
            self.ports[name] = port
        if extra_env is not None:
            self.extra_env[name] = extra_env
        env = self.config.env(service)
        if service in ("notifier", "desk"):  # the simulated day the scheduler's book is on
            env[f"DUNWELL_{service.upper()}_CLOCK_START"] = self._clock_now()
        env.update(self.extra_env.get(name, {}))
        env[f"DUNWELL_{service.upper()}_HTTP_PORT"] = str(self.ports[name])
        self.config.workdir.mkdir(parents=True, exist_ok=True)
        log = (self.config.workdir / f"{name}.log").open("ab")
        self._logs[name] = log
        self.processes[name] = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            self._command(service, name, env),
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def _command(self, service: str, name: str, env: dict[str, str]) -> list[str]:
        if self.config.image is None:
            return [sys.executable, "-m", f"services.{service}"]
        container = container_name(self.config.namespace, name)
        workdir = str(self.config.workdir.resolve())
        return container_command(self.config.image, container, service, env, workdir)

    def _clock_now(self) -> str:
        """The notifier's simulated clock, continuous across restarts: a process started later
        starts its clock later, so it never runs backwards (caps and deferrals stay true)."""
        start = datetime.fromisoformat(self.config.notifier_clock_start)
        return (start + timedelta(seconds=time.time() - self._born)).isoformat()

    async def wait_ready(self, service: str, timeout_s: float = 90.0) -> None:
        """Wait until the process's ``/readyz`` answers 200."""
        url = f"http://127.0.0.1:{self.ports[service]}/readyz"
        deadline = time.monotonic() + timeout_s
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline:
                if self.processes[service].poll() is not None:
                    raise RuntimeError(
                        f"{service} exited with {self.processes[service].returncode}"
                    )
                try:
                    async with session.get(url, timeout=aiohttp.ClientTimeout(total=2)) as r:
                        if r.status == 200:
                            return
                except (aiohttp.ClientError, TimeoutError):
                    pass
                await asyncio.sleep(0.5)
        raise TimeoutError(f"{service} not ready within {timeout_s} s")

    async def consumed(
        self, service: str, topic: str | None = None, outcome: str | None = "processed"
    ) -> float:
        """Records ``service`` has taken off its topics (one topic, one outcome, or all), as
        its ``/metrics`` page counts them."""
        labels = {k: v for k, v in (("topic", topic), ("outcome", outcome)) if v is not None}
        return await self.counted(service, "dunwell_events_consumed", **labels)

    async def counted(self, process: str, counter: str, **labels: str) -> float:
        """The sum of a counter's samples on a process's ``/metrics`` page that carry
        ``labels`` (the counter's name without ``_total``)."""
        url = f"http://127.0.0.1:{self.ports[process]}/metrics"
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            text = await response.text()
        return sum(
            sample.value
            for family in text_string_to_metric_families(text)
            if family.name == counter
            for sample in family.samples
            if sample.name.endswith("_total")
            and all(sample.labels.get(k) == v for k, v in labels.items())
        )

    async def start_all(self) -> None:
        for service in SERVICES:
            self.start(service)
        for service in SERVICES:
            await self.wait_ready(service)

    def kill(self, service: str) -> None:
        """SIGKILL one service: no shutdown work at all, as in a crash."""
        if self.config.image is not None:
            kill_container(container_name(self.config.namespace, service))
        self.processes[service].kill()
        self.processes[service].wait()
        self._logs[service].close()

    def stop(self, service: str, timeout_s: float = 30.0) -> int:
        """SIGTERM one service and wait for it; returns its exit code."""
        process = self.processes[service]
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if not self._logs[service].closed:
            self._logs[service].close()
        return process.returncode

    def stop_all(self) -> dict[str, int]:
        names = sorted(self.processes, key=lambda n: SERVICES.index(n) if n in SERVICES else -1)
        return {name: self.stop(name) for name in reversed(names)}

    def log_text(self, service: str) -> str:
        return (self.config.workdir / f"{service}.log").read_text(errors="replace")
