"""A minimal Chrome DevTools Protocol driver for headless Chromium, over aiohttp websockets."""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp

from sandbox.smtp import free_port
from tests.polling import eventually


class Page:
    """One browser tab: navigate, evaluate JavaScript, take a screenshot."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self._ws = ws
        self._ids = itertools.count(1)

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        call_id = next(self._ids)
        await self._ws.send_json({"id": call_id, "method": method, "params": params})
        async with asyncio.timeout(30):
            while True:
                message = json.loads((await self._ws.receive()).data)
                if message.get("id") == call_id:
                    if "error" in message:
                        raise RuntimeError(message["error"])
                    result: dict[str, Any] = message.get("result", {})
                    return result

    async def goto(self, url: str) -> None:
        await self.call("Page.enable")
        await self.call("Page.navigate", url=url)
        await self.wait_for("document.readyState === 'complete'")

    async def evaluate(self, expression: str) -> Any:
        result = await self.call(
            "Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True
        )
        return result["result"].get("value")

    async def wait_for(self, expression: str, timeout_s: float = 15) -> None:
        async def holds() -> bool:
            try:
                return bool(await self.evaluate(expression))
            except RuntimeError:  # the page is navigating: its context is gone meanwhile
                return False

        await eventually(holds, timeout_s)

    async def url(self) -> str:
        return str(await self.evaluate("location.href"))

    async def click(self, selector: str) -> None:
        """A real click (mouse pressed and released) at the middle of the element."""
        await self.wait_for(f"document.querySelector({json.dumps(selector)}) !== null")
        found = json.dumps(selector)
        box = await self.evaluate(
            f"(() => {{ const e = document.querySelector({found}); e.scrollIntoView("
            "{block: 'center'}); const r = e.getBoundingClientRect();"
            " return [r.left + r.width / 2, r.top + r.height / 2]; })()"
        )
        x, y = box
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            await self.call(
                "Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1
            )

    async def type(self, selector: str, text: str) -> None:
        """Focus the field, clear it and type ``text`` as keyboard input."""
        await self.click(selector)
        await self.evaluate(f"document.querySelector({json.dumps(selector)}).value = ''")
        await self.call("Input.insertText", text=text)

    async def fill(self, selector: str, value: str) -> None:
        """Set a field a keyboard cannot type into plainly (a date picker), with its events."""
        await self.evaluate(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
            f" e.focus(); e.value = {json.dumps(value)};"
            " e.dispatchEvent(new Event('input', {bubbles: true}));"
            " e.dispatchEvent(new Event('change', {bubbles: true})); })()"
        )

    async def choose(self, selector: str, value: str) -> None:
        """Pick an option of a select, as a person does (a change event follows)."""
        await self.evaluate(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
            f" e.focus(); e.value = {json.dumps(value)};"
            " e.dispatchEvent(new Event('change', {bubbles: true})); })()"
        )

    async def text(self) -> str:
        return str(await self.evaluate("document.body.innerText"))

    async def allow_downloads(self, directory: Path) -> None:
        """Downloads land in ``directory`` (by their own file names)."""
        await self.call("Page.setDownloadBehavior", behavior="allow", downloadPath=str(directory))

    async def screenshot(self, path: Path) -> None:
        shot = await self.call("Page.captureScreenshot", format="png")
        await asyncio.to_thread(path.write_bytes, base64.b64decode(shot["data"]))


def chromium_binary() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    raise RuntimeError("Chromium is missing: deploy/local/chromium.sh installs it")


@asynccontextmanager
async def headless_page(
    width: int = 390, height: int = 844, language: str = "zh-CN", mobile: bool = True
) -> AsyncIterator[Page]:
    """A page (phone-sized unless told) in a fresh headless Chromium whose user prefers
    ``language``; ``mobile`` False for a laptop's or a tablet's desktop-class browser."""
    port = free_port()
    # Chromium's helper processes may still write to the profile as it exits.
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile:
        browser = await asyncio.create_subprocess_exec(
            chromium_binary(),
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            f"--remote-debugging-port={port}",
            f"--user-data-dir={profile}",
            f"--window-size={width},{height}",
            f"--lang={language}",
            f"--accept-lang={language}",
            "about:blank",
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        try:
            async with aiohttp.ClientSession() as session:
                target = await _first_page(session, port)
                async with session.ws_connect(target, max_msg_size=64 * 1024 * 1024) as ws:
                    page = Page(ws)
                    await page.call(
                        "Emulation.setDeviceMetricsOverride",
                        width=width,
                        height=height,
                        deviceScaleFactor=2,
                        mobile=mobile,
                    )
                    yield page
        finally:
            browser.terminate()
            await asyncio.wait_for(browser.wait(), 10)


async def _first_page(session: aiohttp.ClientSession, port: int) -> str:
    async with asyncio.timeout(30):
        while True:
            try:
                async with session.get(f"http://127.0.0.1:{port}/json") as response:
                    pages = [t for t in await response.json() if t["type"] == "page"]
                    if pages:
                        return str(pages[0]["webSocketDebuggerUrl"])
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
