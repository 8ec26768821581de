"""The desk's aiohttp application: settings (and, in tests, deps) in, a wired app out (the
JSON API and the web console)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, nullcontext
from functools import partial
from typing import Final

import yaml
from aiohttp import web

from services.desk.bootstrap import SERVICE, Deps, build_deps
from services.desk.domain.disputes import AnswerPeriods, answer_periods
from services.desk.entrypoints.api import DeskApi, add_routes, api_key, refusals
from services.desk.entrypoints.auth import SignIn
from services.desk.entrypoints.console import add_console_routes, build_console, console_key
from services.desk.entrypoints.consumer import consumer_config, dispatch, routes
from services.desk.entrypoints.disputes_api import add_dispute_routes
from services.desk.entrypoints.evidence_api import add_evidence_routes
from services.desk.entrypoints.review_api import add_review_routes
from services.desk.entrypoints.visits_api import add_visit_routes
from services.desk.handlers.context import DeskContext
from services.desk.handlers.gauges import refresh_gauges
from services.desk.settings import Settings
from shared.calendars import Calendar, load_calendar
from shared.case_grants import GrantSigner
from shared.consumer import ConsumeLoop
from shared.health import Health, add_ops_routes
from shared.ports import Record
from shared.service import consumer_context, periodic, watch
from shared.web import retryable_as_503

DEPS: Final = web.AppKey("deps", Deps)
CONTEXT: Final = web.AppKey("desk_context", DeskContext)
Context = Callable[[web.Application], AsyncIterator[None]]


def build_app(settings: Settings, deps: Deps | None = None) -> web.Application:
    """The desk: ops endpoints, the API, the gauges and the consume loop, on ``deps``
    (production's when None). A calendar or a policy pack that does not load stops it here."""
    calendar = load_calendar(settings.calendar_file)
    periods = answer_periods(yaml.safe_load(settings.policy_pack_file.read_text("utf-8")))
    app = web.Application(middlewares=[retryable_as_503, refusals])
    health = Health()
    add_ops_routes(app, health)
    add_routes(app)
    add_review_routes(app)
    add_visit_routes(app)
    add_console_routes(app)
    add_dispute_routes(app)
    add_evidence_routes(app)
    app.cleanup_ctx.append(_resources(settings, deps, health, calendar, periods))
    app.cleanup_ctx.append(_gauges(settings))
    app.cleanup_ctx.append(
        consumer_context(partial(_consume, settings), health, settings.shutdown_grace_s)
    )
    return app


def desk_context(
    settings: Settings, deps: Deps, calendar: Calendar, periods: AnswerPeriods
) -> DeskContext:
    """What the use cases run on."""
    return DeskContext(
        store=deps.store,
        clock=deps.clock,
        calendar=calendar,
        policy=settings.sla(),
        team_by_kind=settings.team_by_kind,
        default_team=settings.default_team,
        teams=settings.teams,
        publisher=deps.publisher,
        case_actions_topic=settings.kafka.topics.case_actions,
        reviews=deps.reviews,
        review_decisions_topic=settings.kafka.topics.review_decisions,
        review_team=settings.review_team,
        answer_periods=periods,
        visits=deps.visits,
        tasks_topic=settings.kafka.topics.tasks,
        evidence=deps.evidence,
        grants=grant_signer(settings),
    )


def grant_signer(settings: Settings) -> GrantSigner:
    """The configured case-grant key, or one of this process's own (development)."""
    if settings.case_grant_key is None:
        return GrantSigner.generated()
    pem = settings.case_grant_key.get_secret_value().encode()
    return GrantSigner(pem, settings.case_grant_kid)


def _deps(settings: Settings, given: Deps | None) -> AbstractAsyncContextManager[Deps]:
    return build_deps(settings) if given is None else nullcontext(given)


def _resources(
    settings: Settings,
    given: Deps | None,
    health: Health,
    calendar: Calendar,
    periods: AnswerPeriods,
) -> Context:
    async def resources(app: web.Application) -> AsyncIterator[None]:
        async with _deps(settings, given) as deps:
            app[DEPS] = deps
            app[CONTEXT] = desk_context(settings, deps, calendar, periods)
            sign_in = SignIn(deps.keys, settings.token_rules(), dict(settings.api_tokens))
            app[api_key] = DeskApi(app[CONTEXT], sign_in)
            app[console_key] = build_console(
                settings,
                app[CONTEXT],
                keys=deps.keys,
                exchange=deps.code_exchange,
                gate=deps.call_gate,
            )
            health.readiness["database"] = deps.store.ping
            yield

    return resources


def _gauges(settings: Settings) -> Context:
    """Open and overdue tasks per team, from the store, every ``gauge_interval_s``."""

    async def gauges(app: web.Application) -> AsyncIterator[None]:
        ctx, stop = app[CONTEXT], asyncio.Event()

        async def step() -> None:
            await refresh_gauges(ctx)

        job = periodic(
            "desk gauges", settings.gauge_interval_s, step, stop, settings.shutdown_grace_s
        )
        task = watch(app, asyncio.create_task(job, name="desk-gauges"))
        yield
        stop.set()
        await asyncio.wait({task})

    return gauges


async def _consume(settings: Settings, app: web.Application) -> ConsumeLoop[Record]:
    """The consume loop over the desk's topics."""
    deps, ctx, topics = app[DEPS], app[CONTEXT], settings.kafka.topics
    config = consumer_config(SERVICE, settings.group_id, topics)
    handler = partial(dispatch, ctx=ctx, table=routes(topics))
    loop = ConsumeLoop(deps.source, config, handler, deps.publisher)
    await loop.start()
    return loop
