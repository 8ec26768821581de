"""The provider sandbox's shared state: what was received, injected faults, callbacks back.

The sandbox checks what a real provider checks (signatures, credentials, approved template
codes, recipient formats), answers with the provider's own success and error bodies, pushes
delivery receipts and borrower replies back to the notifier in each provider's callback format,
and can be told to fail: a share or a count of requests get 5xx, throttling, timeouts (the
message is taken but no answer comes), WeChat 45009 or an expired token.
"""

from __future__ import annotations

import asyncio
import html
import json
import random
import re
import secrets
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp
from aiohttp import web
from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from services.notifier.domain.templates import TemplateRegistry

_CODE = re.compile(r"(?:验证码|code)\s*([A-Z2-7]{8})")


@dataclass(frozen=True)
class Credentials:
    """What the sandbox accepts; the notifier is configured with the same values locally."""

    aliyun_key_id: str = "LTAI5tSandboxKeyId"
    aliyun_secret: str = "sandbox-aliyun-secret"  # noqa: S105 - sandbox credentials
    tencent_secret_id: str = "AKIDsandboxsecretid"  # noqa: S105 - sandbox credentials
    tencent_secret_key: str = "sandbox-tencent-key"  # noqa: S105 - sandbox credentials
    tencent_app_id: str = "1400000001"
    twilio_sid: str = "AC" + "0123456789abcdef" * 2
    twilio_token: str = "sandbox-twilio-token"  # noqa: S105 - sandbox credentials
    twilio_from: str = "+15005550006"
    twilio_messaging_service: str = "MG" + "fedcba9876543210" * 2
    wechat_app_id: str = "wx5a9e0sandbox01"
    wechat_secret: str = "sandbox-wechat-secret"  # noqa: S105 - sandbox credentials
    wechat_token: str = "sandbox-wechat-token"  # noqa: S105 - sandbox credentials
    #: The account's message encryption: safe mode, as banks' accounts use it.
    wechat_encryption: str = "safe"
    wechat_aes_key: str = "SandboxEncodingAESKey0123456789abcdefghijkl"
    sign_name: str = "澄河示范银行"  # the demo bank's approved SMS signature
    callback_secret: str = "sandbox-callback-secret"  # noqa: S105 - sandbox credentials


@dataclass(frozen=True)
class Received:
    """One message a provider accepted, as the borrower's phone shows it."""

    provider: str
    to: str
    text: str
    provider_id: str
    code: str | None
    at: str
    received_at: float = 0.0  # time.time(), for latency measurements


@dataclass
class Fault:
    """A fault switch: each injected fault is one of ``kinds``, chosen at random."""

    kinds: tuple[str, ...]
    rate: float = 0.0
    remaining: int = 0


@dataclass
class SandboxState:
    credentials: Credentials
    callback_base: str | None
    seed: int = 7
    received: list[Received] = field(default_factory=list)
    faults: dict[str, Fault] = field(default_factory=dict)
    calls: Counter[str] = field(default_factory=Counter)
    nonces: set[str] = field(default_factory=set)
    #: Arrival times (monotonic) at ``POST /_sink``, the benchmark baseline's endpoint.
    sunk: list[float] = field(default_factory=list)
    #: Per provider, how long after a send its delivery status can be pulled (a carrier's
    #: report takes a while to reach Tencent: until then a status pull does not list it).
    status_delay_s: dict[str, float] = field(default_factory=dict)
    #: Delivery reports are pushed in lists, as Aliyun's SmsReport and Tencent's status
    #: callback carry a JSON array: those gathered within this many seconds of a list's first,
    #: at most ``report_batch`` a push.
    report_gather_s: float = 0.5
    report_batch: int = 100
    #: Reports gathered per callback URL, not pushed yet.
    reports: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)  # noqa: S311 - fault injection, not security
        self.registry = TemplateRegistry.load()
        self.jinja = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
        self.tasks: set[asyncio.Task[None]] = set()
        self.session: aiohttp.ClientSession | None = None

    def fault(self, provider: str) -> str | None:
        """The fault to inject into this request, if any."""
        self.calls[provider] += 1
        fault = self.faults.get(provider)
        if fault is None:
            return None
        if fault.remaining > 0:
            fault.remaining -= 1
            return self.rng.choice(fault.kinds)
        if fault.rate > 0 and self.rng.random() < fault.rate:
            return self.rng.choice(fault.kinds)
        return None

    def approved_text(self, provider: str, code: str, values: dict[str, str]) -> str | None:
        """The provider's approved copy for ``code``, filled in; None if the code is unknown."""
        for template_id in self.registry.ids():
            template = self.registry.template(template_id)
            for locale, provider_code in template.provider_codes.get(provider, {}).items():
                if provider_code == code:
                    text = template.texts[locale].sms
                    return self.jinja.from_string(text).render(
                        values | {"institution": self.credentials.sign_name}
                    )
        return None

    def approved_params(self, provider: str, code: str) -> list[str] | None:
        for template_id in self.registry.ids():
            template = self.registry.template(template_id)
            if code in template.provider_codes.get(provider, {}).values():
                return list(template.sms_params)
        return None

    def keep(self, provider: str, to: str, text: str, provider_id: str) -> Received:
        match = _CODE.search(text)
        item = Received(
            provider=provider,
            to=to,
            text=text,
            provider_id=provider_id,
            code=match.group(1) if match else None,
            at=datetime.now(UTC).isoformat(),
            received_at=time.time(),
        )
        self.received.append(item)
        return item

    def later(self, coroutine: Any) -> None:
        """Run a callback to the notifier in the background, as a provider would."""
        task = asyncio.create_task(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def report(self, url: str, item: dict[str, Any]) -> None:
        """Push one delivery report to ``url`` with the others gathered meanwhile (a list)."""
        waiting = self.reports.setdefault(url, [])
        waiting.append(item)
        if len(waiting) >= self.report_batch:
            self._push(url)
        elif len(waiting) == 1:
            self.later(self._gathered(url))

    async def _gathered(self, url: str) -> None:
        await asyncio.sleep(self.report_gather_s)
        self._push(url)

    def _push(self, url: str) -> None:
        items = self.reports.pop(url, [])
        if items:
            self.later(self.post(url, json=items))

    async def post(self, url: str, **kwargs: Any) -> None:
        """Deliver a callback, retrying while the notifier does not answer 2xx, as providers
        do (Aliyun after 1, 5 and 10 minutes; compressed here to seconds)."""
        if self.session is None:
            return
        for pause in RETRY_PAUSES_S:
            try:
                async with self.session.post(
                    url, timeout=aiohttp.ClientTimeout(total=5), **kwargs
                ) as response:
                    if response.status < 300:
                        return
            except (aiohttp.ClientError, TimeoutError):
                pass
            await asyncio.sleep(pause)


#: Pauses between a callback's delivery attempts.
RETRY_PAUSES_S = (0.2, 0.5, 1.0, 2.0, 5.0)
#: A "timeout" fault: the provider takes the message but its answer never comes in time.
HANG_S = 60.0


async def hang() -> None:
    await asyncio.sleep(HANG_S)


def fresh_id(prefix: str = "") -> str:
    return prefix + secrets.token_hex(8)


def phone_page(received: list[Received]) -> str:
    """What each borrower's phone shows, one section per number."""
    by_number: dict[str, list[Received]] = {}
    for item in received:
        by_number.setdefault(item.to, []).append(item)
    rows = "".join(
        f"<section><h2>{html.escape(number)}</h2>"
        + "".join(
            f"<article><small>{html.escape(m.at)} · {html.escape(m.provider)}</small>"
            f"<p>{html.escape(m.text)}</p></article>"
            for m in messages
        )
        + "</section>"
        for number, messages in sorted(by_number.items())
    )
    return (
        "<!doctype html><html lang='zh-CN'><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width'>"
        "<title>Sandbox phones</title><body><h1>What each borrower received</h1>"
        f"{rows or '<p>No messages yet.</p>'}</body></html>"
    )


class Controls:
    """Fault switches, what was received, the borrowers' phone page, the benchmark's sink."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    async def set_fault(self, request: web.Request) -> web.Response:
        body = await request.json()
        kinds = body.get("kinds") or [body.get("kind")]
        if not isinstance(kinds, list) or not all(isinstance(k, str) and k for k in kinds):
            raise web.HTTPBadRequest(text="kind (a string) or kinds (a list of strings)")
        self.state.faults[str(body["provider"])] = Fault(
            kinds=tuple(kinds),
            rate=float(body.get("rate", 0.0)),
            remaining=int(body.get("count", 0)),
        )
        return web.json_response({"ok": True})

    async def clear_faults(self, request: web.Request) -> web.Response:
        self.state.faults.clear()
        return web.json_response({"ok": True})

    async def received(self, request: web.Request) -> web.Response:
        return web.json_response([item.__dict__ for item in self.state.received])

    async def phone(self, request: web.Request) -> web.Response:
        return web.Response(text=phone_page(self.state.received), content_type="text/html")

    async def sink(self, request: web.Request) -> web.Response:
        await request.read()
        self.state.sunk.append(time.monotonic())
        return web.json_response({"ok": True})


def control_routes(state: SandboxState) -> list[web.RouteDef]:
    """Fault switches, what was received, and the borrowers' phone page."""
    controls = Controls(state)
    return [
        web.post("/_sink", controls.sink),
        web.post("/_faults", controls.set_fault),
        web.delete("/_faults", controls.clear_faults),
        web.get("/_received", controls.received),
        web.get("/phone", controls.phone),
    ]


def json_error(status: int, body: dict[str, Any]) -> web.Response:
    return web.Response(status=status, text=json.dumps(body), content_type="application/json")
