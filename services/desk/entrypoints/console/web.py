"""The console's plumbing: what it runs on, its session cookie, CSRF checks, rendering, and
domain refusals as pages with their reason (never a stack trace, never a customer's data)."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import jinja2
from aiohttp import web
from pydantic import ValidationError

from services.desk.domain import pages
from services.desk.domain.access import NotAllowed
from services.desk.domain.calls import GateRefused, GateUnavailable
from services.desk.domain.i18n import Lang, Words, lang_of
from services.desk.domain.model import StaleWrite
from services.desk.domain.reports import Cap
from services.desk.domain.session import (
    BadSession,
    CsrfRefused,
    Session,
    check_csrf,
    open_session,
)
from services.desk.domain.tasks import TransitionRefused
from services.desk.domain.visits import VisitRefused
from services.desk.handlers.actions import TaskNotFound
from services.desk.handlers.console import ConsoleSignIn
from services.desk.handlers.context import DeskContext
from services.desk.handlers.disputes import DisputeNotFound
from services.desk.handlers.reads import CaseNotFound
from services.desk.handlers.review import ReviewNotFound
from services.desk.handlers.visits import VisitNotFound
from services.desk.metrics import CONSOLE_REFUSALS
from services.desk.ports import CallGate
from shared.errors import RetryableError
from shared.identity import InvalidCredentials

log = logging.getLogger(__name__)
ROOT: Final = Path(__file__).resolve().parents[2]
SESSION_COOKIE: Final = "desk_session"
LOGIN_COOKIE: Final = "desk_sign_in"
LANG_COOKIE: Final = "desk_lang"
#: A session seen again after this long gets a fresh cookie (its idle clock restarts).
TOUCH_S: Final = 60
#: Every page: only the desk's own scripts, styles and images, never framed, never cached.
SECURITY_HEADERS: Final = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
        "form-action 'self'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True, kw_only=True)
class Console:
    """What the console's routes run on, wired once by the application."""

    ctx: DeskContext
    env: jinja2.Environment
    secret: bytes
    secure: bool
    max_age_s: int
    idle_s: int
    sign_in: ConsoleSignIn | None
    authorize_url: str | None
    client_id: str
    redirect_url: str | None
    gate: CallGate | None
    sender: str
    caps: tuple[Cap, ...]

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.ctx.calendar.time_zone)


console_key: Final = web.AppKey("desk_console", Console)
#: The request's session, once :func:`session_of` opened it.
SESSION: Final = web.RequestKey("console_session", Session)


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(ROOT / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["money"] = pages.money
    return env


def now_s() -> int:
    return int(time.time())


def language(request: web.Request) -> Lang:
    return lang_of(
        request.query.get("lang"),
        request.cookies.get(LANG_COOKIE),
        request.headers.get("Accept-Language"),
    )


def render(request: web.Request, template: str, status: int = 200, **values: Any) -> web.Response:
    console = request.app[console_key]
    lang = language(request)
    session: Session | None = request.get(SESSION)
    page = console.env.get_template(template).render(
        t=Words(lang),
        lang=lang,
        person=session.person if session else None,
        csrf=session.csrf if session else "",
        path=request.path_qs,
        zone=console.zone,
        when=functools.partial(pages.when, zone=console.zone),
        **values,
    )
    response = web.Response(text=page, status=status, content_type="text/html", charset="utf-8")
    response.headers.update(SECURITY_HEADERS)
    response.headers["Content-Language"] = lang
    return response


def set_cookie(response: web.StreamResponse, console: Console, name: str, value: str) -> None:
    response.set_cookie(
        name,
        value,
        path="/console",
        httponly=True,
        secure=console.secure,
        samesite="Lax",
        max_age=console.max_age_s,
    )


def session_of(request: web.Request) -> Session:
    """The signed-in person's session. :raises BadSession: none, forged or expired."""
    console = request.app[console_key]
    session = open_session(
        request.cookies.get(SESSION_COOKIE),
        console.secret,
        now_s(),
        max_age_s=console.max_age_s,
        idle_s=console.idle_s,
    )
    request[SESSION] = session
    return session


async def posted(request: web.Request) -> dict[str, str]:
    """A form post's fields, once its CSRF token and origin hold.

    :raises CsrfRefused: no token, another session's, or a post from another site.
    """
    session = session_of(request)
    origin = request.headers.get("Origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.host:
        raise CsrfRefused("the form was posted from another site")
    form = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
    check_csrf(session, form.get("csrf"))
    return form


def _refusal(request: web.Request, status: int, reason: str) -> web.Response:
    CONSOLE_REFUSALS.labels(str(status)).inc()
    return render(request, "error.html", status=status, code=status, reason=reason)


def _signed_out(request: web.Request, reason: str) -> web.StreamResponse:
    if request.method == "GET":
        target = f"/console/sign-in?{pages.next_query(request.path_qs)}"
        raise web.HTTPSeeOther(target)
    return _refusal(request, 401, reason)


def _touch(request: web.Request, response: web.StreamResponse) -> None:
    session: Session | None = request.get(SESSION)
    console = request.app[console_key]
    if session is not None and now_s() - session.seen >= TOUCH_S:
        set_cookie(
            response, console, SESSION_COOKIE, session.touched(now_s()).cookie(console.secret)
        )


def page(handler: Handler) -> Handler:
    """A console route: refusals rendered as pages with their status and reason."""

    @functools.wraps(handler)
    async def run(request: web.Request) -> web.StreamResponse:
        try:
            response = await handler(request)
        except BadSession as e:
            return _signed_out(request, str(e))
        except (CsrfRefused, NotAllowed) as e:
            return _refusal(request, 403, str(e))
        except (CaseNotFound, TaskNotFound, ReviewNotFound, VisitNotFound, DisputeNotFound) as e:
            return _refusal(request, 404, str(e))
        except (TransitionRefused, StaleWrite, GateRefused, VisitRefused) as e:
            return _refusal(request, 409, str(e))
        except ValidationError as e:
            return _refusal(request, 422, pages.invalid(e))
        except InvalidCredentials as e:
            return _refusal(request, 401, str(e))
        except (GateUnavailable, RetryableError) as e:
            log.warning("console: a dependency is unavailable: %s", e)
            return _refusal(request, 502, str(e))
        _touch(request, response)
        return response

    return run
