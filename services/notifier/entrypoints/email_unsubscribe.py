"""``/v1/email/unsubscribe/{token}``: RFC 8058 one-click unsubscribe, and its confirmation page.

``POST`` with the body ``List-Unsubscribe=One-Click`` (a mail client's one-click, or the page's
button) opts out; ``GET`` only shows the page (link scanners follow links, so a GET changes
nothing). A link Dunwell did not sign, or one past its expiry, is a 4xx with the reason.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from html import escape
from typing import Final

from aiohttp import web

from services.notifier.domain.email_unsubscribe import TokenRefused, Unsubscribe, read
from services.notifier.domain.institution import Institution, Locale
from services.notifier.handlers.callbacks import CallbackContext
from services.notifier.handlers.email_unsubscribe import take_unsubscribe
from services.notifier.metrics import CALLBACKS_RECEIVED

PATH: Final = "/v1/email/unsubscribe/{token}"


@dataclass(frozen=True)
class UnsubscribeApi:
    callbacks: CallbackContext
    #: Every key whose links are accepted, the newest first.
    keys: tuple[bytes, ...]
    institution: Institution


UNSUBSCRIBE: Final = web.AppKey("unsubscribe", UnsubscribeApi)

#: The page's words per locale: title, question, button, done.
_TEXTS: Final[dict[Locale, tuple[str, str, str, str]]] = {
    "zh-CN": (
        "退订邮件提醒",
        "退订后，您将不再通过电子邮件收到{bank}的还款提醒，我们仍可能通过短信等其他方式联系您。",
        "确认退订",
        "已退订：{bank}不会再通过电子邮件向您发送还款提醒。",
    ),
    "en": (
        "Unsubscribe from email reminders",
        "Stop receiving repayment reminders from {bank} by email? We may still contact you "
        "by other means, such as text messages.",
        "Unsubscribe",
        "Unsubscribed: {bank} will send you no more repayment reminders by email.",
    ),
}
#: The token is in the URL: never cached, never sent on as a referrer.
_HEADERS: Final = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
    "Content-Security-Policy": "default-src 'none'; form-action 'self'; style-src 'unsafe-inline'",
}


def _page(locale: Locale, title: str, body: str, status: int = 200) -> web.Response:
    lang = escape(locale)
    html = (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title></head>"
        f'<body style="font-family:sans-serif;max-width:36em;margin:2em auto">'
        f"<h1>{escape(title)}</h1>{body}</body></html>"
    )
    return web.Response(
        status=status, text=html, content_type="text/html", charset="utf-8", headers=_HEADERS
    )


def _asked(request: web.Request) -> Unsubscribe:
    api = request.app[UNSUBSCRIBE]
    try:
        return read(api.keys, request.match_info["token"], api.callbacks.clock())
    except TokenRefused:
        CALLBACKS_RECEIVED.labels("list_unsubscribe", "rejected").inc()
        raise


async def confirm_page(request: web.Request) -> web.Response:
    """The confirmation page, in the borrower's language; its button posts the one-click."""
    try:
        ask = _asked(request)
    except TokenRefused as refused:
        return _page(
            "zh-CN", "退订链接无效 / Invalid link", f"<p>{escape(refused.why)}</p>", refused.status
        )
    title, question, button, _ = _TEXTS[ask.locale]
    bank = request.app[UNSUBSCRIBE].institution.texts(ask.locale).name
    form = (
        f"<p>{escape(question.format(bank=bank))}</p>"
        '<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click">'
        f'<button type="submit">{escape(button)}</button></form>'
    )
    return _page(ask.locale, title, form)


async def one_click(request: web.Request) -> web.Response:
    """The one-click opt-out (RFC 8058 section 3.2): the same opt-out as a reply "退订"."""
    try:
        ask = _asked(request)
    except TokenRefused as refused:
        return _refused(refused.status, refused.why)
    form = await request.post()
    if form.get("List-Unsubscribe") != "One-Click":
        return _refused(400, "the body must be List-Unsubscribe=One-Click")
    await take_unsubscribe(request.app[UNSUBSCRIBE].callbacks, ask)
    title, _, _, done = _TEXTS[ask.locale]
    bank = request.app[UNSUBSCRIBE].institution.texts(ask.locale).name
    return _page(ask.locale, title, f"<p>{escape(done.format(bank=bank))}</p>")


def _refused(status: int, why: str) -> web.Response:
    return web.Response(
        status=status,
        text=json.dumps({"error": why}, ensure_ascii=False),
        content_type="application/json",
        headers=_HEADERS,
    )


def unsubscribe_routes() -> list[web.RouteDef]:
    return [web.get(PATH, confirm_page), web.post(PATH, one_click)]
