"""The scheduler's composition root: the only module that names concrete adapters.

faust owns the lifecycles here: the worker starts and stops the producer and the loan Table
with the app, so :func:`build_deps` only wires them (no context manager to enter).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import faust

from services.scheduler.adapters.faust import (
    FaustEventPublisher,
    TableLoanStore,
    faust_app,
    loan_table,
)
from services.scheduler.adapters.faust_commits import GatedApp
from services.scheduler.adapters.faust_worker import Worker
from services.scheduler.adapters.fineract.clients import ClientDefaults
from services.scheduler.adapters.fineract.translate import translate as fineract_translate
from services.scheduler.adapters.memory import InMemoryLoanStore, OpenGate
from services.scheduler.domain.branches import load_branches
from services.scheduler.domain.context import Context
from services.scheduler.domain.strategy import load_strategy
from services.scheduler.handlers.track_loans import SERVICE
from services.scheduler.ports import LoanStore, RecordGate, TranslateAvro
from services.scheduler.settings import Settings
from shared.calendars import load_calendar
from shared.calendars.monitoring import watch_calendar
from shared.logging import logging_config
from shared.ports import EventPublisher
from shared.testing.memory import InMemoryEventPublisher
from shared.topics import Topics


@dataclass(frozen=True)
class Deps:
    """Everything the scheduler's use cases are given (:class:`~.ports.Dependencies`)."""

    loans: LoanStore
    publisher: EventPublisher
    topics: Topics
    plan: Context
    avro: TranslateAvro
    gate: RecordGate


def application(settings: Settings) -> faust.App:
    """The scheduler's faust app (nothing connects until a worker starts it)."""
    return faust_app(settings, service=SERVICE)


def worker(app: faust.App, settings: Settings) -> faust.Worker:
    """The worker that runs ``app``: its logs as redacted JSON lines at the configured level."""
    level = settings.log_level
    return Worker(app, loglevel=level, logging_config=logging_config(SERVICE, level))


def plan_context(settings: Settings) -> Context:
    """The strategy and calendar, loaded and validated: a bad file stops the service here."""
    strategy = load_strategy(settings.strategy_file.read_text(encoding="utf-8"))
    calendar = load_calendar(settings.calendar_file)
    watch_calendar(calendar)
    branches = load_branches(settings.branches_file.read_text(encoding="utf-8"))
    return Context(strategy, calendar, branches)


def build_deps(
    settings: Settings,
    app: faust.App,
    publisher: EventPublisher | None = None,
    on_commit_failure: Callable[[], None] | None = None,
) -> Deps:
    """The production wiring on ``app``: the loan Table and faust's producer.

    :param settings: the scheduler's settings.
    :param app: the faust app whose worker runs them.
    :param publisher: replaces faust's producer (component tests, no broker).
    :param on_commit_failure: called when a commit must be refused (an output unacknowledged).
    """
    table = loan_table(app, settings.topic_partitions, compact=settings.state_format == "compact")
    gate = app.commit_gate if isinstance(app, GatedApp) else OpenGate()
    if isinstance(app, GatedApp) and on_commit_failure is not None:
        app.commit_gate.on_failure = on_commit_failure
    if publisher is None:
        faust_publisher = FaustEventPublisher(app, service=SERVICE)
        if isinstance(app, GatedApp):
            # Every output acknowledged before any offset (and the state with it) commits.
            app.commit_gate.before_commit.append(faust_publisher.settle)
        publisher = faust_publisher
    return Deps(
        loans=TableLoanStore(table),
        publisher=publisher,
        topics=settings.kafka.topics,
        plan=plan_context(settings),
        avro=fineract(settings),
        gate=gate,
    )


def fineract(settings: Settings) -> TranslateAvro:
    """Fineract's adapter, with the bank's defaults for what its clients do not say."""
    return partial(fineract_translate, defaults=ClientDefaults(**settings.fineract.model_dump()))


def memory_deps(**overrides: Any) -> Deps:
    """In-memory wiring for use-case tests; any field can be replaced by keyword.

    :param overrides: fields of :class:`Deps` to replace.
    """
    fields: dict[str, Any] = {
        "loans": InMemoryLoanStore(),
        "publisher": InMemoryEventPublisher(),
        "topics": Topics(""),
        "avro": fineract(Settings()),
        "gate": OpenGate(),
    }
    fields.update(overrides)
    if "plan" not in fields:
        fields["plan"] = plan_context(Settings())
    return Deps(**fields)
