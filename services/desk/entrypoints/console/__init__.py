"""The desk's web console: server-rendered pages under ``/console`` for agents, supervisors
and compliance officers, in zh-CN (the default) and English, with sessions and CSRF tokens.

The pages read and act through the same use cases as the JSON API; people sign in at the
bank's identity provider (OIDC authorization code with PKCE) and get a signed session cookie.
"""

from __future__ import annotations

import logging
import secrets

from aiohttp import web

from services.desk.entrypoints.console import (
    calls,
    disputes,
    evidence,
    pages,
    reports,
    reviews,
    sign_in,
    visits,
)
from services.desk.entrypoints.console.web import ROOT, Console, console_key, environment
from services.desk.handlers.console import ConsoleSignIn, caps_of
from services.desk.handlers.context import DeskContext
from services.desk.ports import CallGate, CodeExchange
from services.desk.settings import Settings
from shared.identity import KeySet

__all__ = ["Console", "add_console_routes", "build_console", "console_key"]
log = logging.getLogger(__name__)


def build_console(
    settings: Settings,
    ctx: DeskContext,
    *,
    keys: KeySet | None,
    exchange: CodeExchange | None,
    gate: CallGate | None,
) -> Console:
    """The console on the desk's context, its identity provider and the pre-call gate."""
    secret = settings.console_session_secret
    if secret is None:
        log.warning("console: no session secret set; sessions end when this process does")
    sign_in_with = (
        ConsoleSignIn(exchange, keys, settings.console_rules())
        if exchange is not None and keys is not None
        else None
    )
    return Console(
        ctx=ctx,
        env=environment(),
        secret=(secret.get_secret_value() if secret else secrets.token_hex(32)).encode(),
        secure=settings.console_secure_cookies,
        max_age_s=settings.console_session_max_age_s,
        idle_s=settings.console_session_idle_s,
        sign_in=sign_in_with,
        authorize_url=settings.oidc_authorize_url,
        client_id=settings.oidc_client_id,
        redirect_url=settings.oidc_redirect_url,
        gate=gate,
        sender=settings.call_sender,
        caps=caps_of(settings.report_caps),
    )


def add_console_routes(app: web.Application) -> None:
    router = app.router
    router.add_get("/console", sign_in.home)
    router.add_get("/console/sign-in", sign_in.sign_in_page)
    router.add_get("/console/sign-in/start", sign_in.start)
    router.add_get("/console/callback", sign_in.callback)
    router.add_post("/console/sign-out", sign_in.sign_out)
    router.add_get("/console/lang/{lang}", sign_in.switch_language)
    router.add_get("/console/tasks", pages.my_tasks)
    router.add_get("/console/queue", pages.queue)
    router.add_post("/console/tasks/{task_id}/start", pages.start_task)
    router.add_post("/console/tasks/{task_id}/done", pages.finish_task)
    router.add_get("/console/cases/{loan_id}", pages.case)
    router.add_get("/console/cases/{loan_id}/evidence", evidence.evidence)
    router.add_get("/console/cases/{loan_id}/action", pages.action_form)
    router.add_post("/console/cases/{loan_id}/action", pages.take_action)
    router.add_get("/console/cases/{loan_id}/call", calls.call_form)
    router.add_post("/console/cases/{loan_id}/call", calls.ask)
    router.add_post("/console/cases/{loan_id}/call/outcome", calls.outcome)
    router.add_post("/console/cases/{loan_id}/dispute", disputes.record)
    router.add_get("/console/field", visits.field_queue)
    router.add_get("/console/visits/{visit_id}", visits.visit_page)
    router.add_post("/console/visits/{visit_id}/reschedule", visits.reschedule)
    router.add_post("/console/visits/{visit_id}/outcome", visits.outcome)
    router.add_get("/console/visits/{visit_id}/documents", visits.documents)
    router.add_get("/console/disputes", disputes.register)
    router.add_get("/console/disputes/{dispute_id}", disputes.entry)
    router.add_post("/console/disputes/{dispute_id}/resolve", disputes.resolve)
    router.add_get("/console/reviews", reviews.overview)
    router.add_get("/console/reviews/items/{item_id}", reviews.item)
    router.add_post("/console/reviews/items/{item_id}", reviews.decide)
    router.add_get("/console/reviews/{queue}", reviews.queue)
    router.add_get("/console/reports", reports.reports)
    router.add_get("/console/reports/{name}.csv", reports.download)
    router.add_static("/console/static", ROOT / "static", append_version=False)
