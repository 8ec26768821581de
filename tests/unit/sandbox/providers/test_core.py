"""The sandbox's delivery reports: pushed in lists (a JSON array), as Aliyun's SmsReport and
Tencent's status callback are, each list gathered for a short while or until it is full."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

from sandbox.providers.core import Credentials, SandboxState


async def test_reports_are_gathered_into_lists_by_time_and_by_size() -> None:
    pushed: list[Any] = []

    async def take(request: web.Request) -> web.Response:
        pushed.append(await request.json())
        return web.json_response({"code": 0, "msg": "接收成功"})

    app = web.Application()
    app.router.add_post("/report", take)
    async with TestServer(app) as server, aiohttp.ClientSession() as session:
        state = SandboxState(Credentials(), None, report_gather_s=0.1, report_batch=3)
        state.session = session
        url = str(server.make_url("/report"))
        for n in range(4):
            state.report(url, {"n": n})
        await asyncio.sleep(0.02)
        assert pushed == [[{"n": 0}, {"n": 1}, {"n": 2}]]  # full: pushed at once
        await asyncio.sleep(0.3)
        assert pushed[1:] == [[{"n": 3}]]  # the rest once its while is up
        assert state.reports == {}
