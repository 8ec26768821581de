"""The notifier's aiohttp application: settings (and, in tests, deps) in, a wired app out."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, nullcontext
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Final

from aiohttp import web

from services.notifier.bootstrap import SERVICE, Deps, build_deps, callback_plugs, gate_clock
from services.notifier.domain.email_unsubscribe import UnsubscribeLinks
from services.notifier.domain.institution import Institution, check_institution
from services.notifier.domain.policy.loading import load_pack
from services.notifier.domain.policy.pack import Pack
from services.notifier.domain.policy.rules import HolidayRule
from services.notifier.domain.templates import TEMPLATES_FILE, TemplateRegistry
from services.notifier.domain.uncertain import Backoff
from services.notifier.entrypoints.callbacks import CALLBACKS, callback_routes
from services.notifier.entrypoints.calls import CALLS, CallsApi, call_routes
from services.notifier.entrypoints.consumer import POLL_BATCH, consumer_config, dispatch
from services.notifier.entrypoints.contacts import CONTACTS, ContactsApi, contact_routes
from services.notifier.entrypoints.email_inbound import accepts, mail_taker
from services.notifier.entrypoints.email_unsubscribe import (
    UNSUBSCRIBE,
    UnsubscribeApi,
    unsubscribe_routes,
)
from services.notifier.entrypoints.http import document_routes
from services.notifier.entrypoints.overlap import consume_loop
from services.notifier.entrypoints.sign_in import SignIn
from services.notifier.handlers.batcher import SendBatcher
from services.notifier.handlers.callbacks import CallbackContext
from services.notifier.handlers.calls import CallContext, release_expired
from services.notifier.handlers.context import SendContext
from services.notifier.handlers.deferrals import dispatch_due
from services.notifier.handlers.directory import DirectoryBuffer, record_contact_details_batch
from services.notifier.handlers.email_replies import InboundMailContext
from services.notifier.handlers.grouping import Grouped
from services.notifier.handlers.receipts import take_early_until
from services.notifier.handlers.reconciliation import reconcile_due
from services.notifier.settings import Settings
from shared.calendars.monitoring import watch_calendar
from shared.consumer import ConsumeLoop
from shared.errors import ConfigurationError
from shared.health import Health, add_ops_routes
from shared.ports import Record
from shared.service import Step, consumer_context, periodic, watch
from shared.web import retryable_as_503

DEPS: Final = web.AppKey("deps", Deps)
SENDING: Final = web.AppKey("sending", SendContext)
BATCHER: Final = web.AppKey("batcher", SendBatcher)
Context = Callable[[web.Application], AsyncIterator[None]]


def institution(settings: Settings) -> Institution:
    """The bank's texts in every locale; in production, never example values."""
    check_institution(
        settings.environment,
        settings.institution,
        sms_sign_name=settings.sms_sign_name,
        mail_from=settings.mail_from,
    )
    if settings.environment == "production" and settings.email.signs_with_the_development_key():
        raise ConfigurationError(
            "DUNWELL_NOTIFIER_EMAIL__UNSUBSCRIBE_KEYS holds the development key in production"
        )
    return settings.institution


def build_app(settings: Settings, deps: Deps | None = None) -> web.Application:
    """The notifier: ops endpoints, callbacks and contacts, the gate and its channels, the
    deferral dispatcher and the consume loop, on ``deps`` (production's when None)."""
    bank = institution(settings)  # refuses example institution settings in production, first
    # Packs and templates are loaded before anything starts: an invalid one stops the service.
    packs = [load_pack(p, settings.calendars_dir) for p in settings.policy_packs]
    for calendar in {r.bound.id: r.bound for p in packs for r in p.of_type(HolidayRule)}.values():
        watch_calendar(calendar, deps.clock if deps else gate_clock(settings))
    templates = TemplateRegistry.load(Path(settings.templates_file or TEMPLATES_FILE))
    app = web.Application(middlewares=[retryable_as_503])
    health = Health()
    add_ops_routes(app, health)
    app.add_routes(callback_routes(deps.callbacks if deps else callback_plugs(settings)))
    app.add_routes(contact_routes())
    app.add_routes(call_routes())
    app.add_routes(document_routes())
    app.add_routes(unsubscribe_routes())

    def sending(deps: Deps) -> SendContext:
        return send_context(settings, deps, packs, templates, bank)

    app.cleanup_ctx.append(_resources(settings, deps, health, packs, sending))
    app.cleanup_ctx.extend(_jobs(settings))
    app.cleanup_ctx.append(_inbound_mail(settings))
    app.cleanup_ctx.append(consumer_context(_consume(settings), health, settings.shutdown_grace_s))
    return app


def send_context(
    settings: Settings,
    deps: Deps,
    packs: Sequence[Pack],
    templates: TemplateRegistry,
    bank: Institution,
) -> SendContext:
    """What the send use cases run on."""
    return SendContext(
        store=deps.store,
        channels=deps.channels,
        templates=templates,
        packs=packs,
        publisher=deps.publisher,
        interactions_topic=settings.kafka.topics.interactions,
        institution=bank,
        verification_secret=settings.verification_secret.get_secret_value().encode(),
        observer=deps.observer,
        clock=deps.clock,
        hold_recheck=timedelta(seconds=settings.hold_recheck_s),
        max_hold=timedelta(hours=settings.max_hold_h),
        unsubscribe=unsubscribe_links(settings),
        wechat_message=settings.wechat.message_type,
        reconcile_backoff=Backoff(
            first=timedelta(seconds=settings.reconcile_first_s),
            cap=timedelta(seconds=settings.reconcile_max_interval_s),
        ),
    )


def unsubscribe_links(settings: Settings) -> UnsubscribeLinks:
    """Emails' one-click unsubscribe links: signed with the newest key, on the public URL."""
    return UnsubscribeLinks(
        keys=tuple(k.get_secret_value().encode() for k in settings.email.unsubscribe_keys),
        base_url=settings.public_base_url,
        mailto=settings.reply_address,
        ttl=timedelta(days=settings.email.unsubscribe_ttl_days),
    )


def call_context(settings: Settings, deps: Deps, packs: Sequence[Pack]) -> CallContext:
    """What the pre-call gate runs on."""
    topics = settings.kafka.topics
    return CallContext(
        store=deps.store,
        packs=packs,
        publisher=deps.publisher,
        interactions_topic=topics.interactions,
        case_actions_topic=topics.case_actions,
        clock=deps.clock,
        reservation_ttl=timedelta(seconds=settings.call_reservation_ttl_s),
    )


def _resources(
    settings: Settings,
    given: Deps | None,
    health: Health,
    packs: Sequence[Pack],
    sending: Callable[[Deps], SendContext],
) -> Context:
    """Deps for the app's lifetime (production's opened and closed here, or the given ones),
    and the contexts the routes and loops read."""

    async def resources(app: web.Application) -> AsyncIterator[None]:
        async with _deps(settings, given) as deps:
            app[DEPS], app[SENDING] = deps, sending(deps)
            app[BATCHER] = SendBatcher(
                app[SENDING], concurrency=settings.send_concurrency, overlap=settings.poll_overlap
            )
            topics = settings.kafka.topics
            app[CALLBACKS] = CallbackContext(
                store=deps.store,
                publisher=deps.publisher,
                interactions_topic=topics.interactions,
                replies_topic=topics.replies,
                packs=packs,
                clock=deps.clock,
                verification_secret=settings.verification_secret.get_secret_value().encode(),
                first_times=Grouped(deps.store.first_times, name="callbacks-seen"),
                settles=app[BATCHER].settles,
                wake=app[BATCHER].settles.wake,
            )
            links = unsubscribe_links(settings)
            app[UNSUBSCRIBE] = UnsubscribeApi(app[CALLBACKS], links.keys, settings.institution)
            sign_in = SignIn(
                settings.contacts_token.get_secret_value(), deps.keys, settings.token_rules()
            )
            app[CONTACTS] = ContactsApi(deps.store, sign_in)
            app[CALLS] = CallsApi(call_context(settings, deps, packs), sign_in)
            health.readiness["database"] = deps.database_ready
            yield

    return resources


def _deps(settings: Settings, given: Deps | None) -> AbstractAsyncContextManager[Deps]:
    return build_deps(settings) if given is None else nullcontext(given)


def _job(name: str, run: Callable[[web.Application, asyncio.Event], Awaitable[None]]) -> Context:
    """A job for the app's lifetime, told to stop (and awaited) at shutdown."""

    async def job(app: web.Application) -> AsyncIterator[None]:
        stop = asyncio.Event()
        task = watch(app, asyncio.ensure_future(run(app, stop)))
        task.set_name(name)
        yield
        stop.set()
        await asyncio.wait({task})  # (a periodic job lets a running step finish within grace)

    return job


def _jobs(settings: Settings) -> list[Context]:
    """The deferral dispatcher (due sends go out when they are allowed); the reconciler
    (uncertain sends' providers asked again, with backoff, a batch a run); unused call
    reservations released at expiry (asks release them lazily too); receipts that came before
    their sends were settled, taken once the sends are known."""
    grace = settings.shutdown_grace_s

    def every(name: str, interval_s: float, step: Callable[[web.Application], Step]) -> Context:
        return _job(name, lambda app, stop: periodic(name, interval_s, step(app), stop, grace))

    poll, expiry = settings.early_receipt_poll_s, timedelta(hours=settings.early_receipt_expiry_h)
    return [
        every(
            "deferral dispatcher",
            settings.deferral_poll_s,
            lambda a: partial(dispatch_due, a[SENDING]),
        ),
        every(
            "reconciler",
            settings.reconcile_poll_s,
            lambda a: partial(reconcile_due, a[SENDING], limit=settings.reconcile_batch),
        ),
        every(
            "call releaser",
            settings.call_release_poll_s,
            lambda a: partial(release_expired, a[CALLS].ctx),
        ),
        _job(
            "early receipts",
            lambda app, stop: take_early_until(app[CALLBACKS], stop, poll, expiry),
        ),
    ]


def _inbound_mail(settings: Settings) -> Context:
    """The reply address's SMTP listener (replies and bounces), when the deps have one."""

    async def inbound(app: web.Application) -> AsyncIterator[None]:
        deps = app[DEPS]
        if deps.mail_server is None:
            yield
            return
        ctx = InboundMailContext(
            callbacks=app[CALLBACKS],
            message_domain=settings.mail_from.rpartition("@")[2] or "localhost",
            dkim=deps.dkim,
        )
        domains = settings.email.accepted_domains or (settings.reply_address.rpartition("@")[2],)
        async with deps.mail_server.serving(accepts(domains), mail_taker(ctx)):
            yield

    return inbound


def _consume(settings: Settings) -> Callable[[web.Application], Awaitable[ConsumeLoop[Record]]]:
    """The consume loop, started once the directory has caught up."""

    async def consume(app: web.Application) -> ConsumeLoop[Record]:
        deps, ctx, topics = app[DEPS], app[SENDING], settings.kafka.topics
        config = consumer_config(SERVICE, settings.group_id, topics, POLL_BATCH)
        await deps.directory.catch_up(
            lambda batch: record_contact_details_batch(batch, store=deps.store)
        )

        directory = DirectoryBuffer(deps.store)

        async def handle(record: Record) -> None:
            await dispatch(record, ctx, topics, directory, app[BATCHER])

        flush, overlap = directory.flush, settings.poll_overlap
        loop = consume_loop(deps.source, config, handle, deps.publisher, flush, overlap)
        await loop.start()
        return loop

    return consume
