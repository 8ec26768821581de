"""The scheduler's app: settings in, a faust app with its agents, timer and pages out."""

from __future__ import annotations

from functools import partial

import faust

from services.scheduler.bootstrap import application, build_deps
from services.scheduler.entrypoints.close_of_business import add_daily_close
from services.scheduler.entrypoints.consumers import add_agents
from services.scheduler.entrypoints.pages import add_pages
from services.scheduler.handlers.close_day import DailyClose
from services.scheduler.settings import Settings
from shared.ports import EventPublisher
from shared.service import Outcome, stop_for_bug


def build_app(
    settings: Settings, outcome: Outcome | None = None, publisher: EventPublisher | None = None
) -> faust.App:
    """Build the scheduler's faust app; nothing connects until the worker starts it.

    :param settings: the scheduler's settings.
    :param outcome: marked failed when an agent meets a bug (the exit code).
    :param publisher: replaces the faust producer (component tests).
    """
    outcome = outcome or Outcome()
    app = application(settings)
    deps = build_deps(settings, app, publisher, on_commit_failure=partial(stop_for_bug, outcome))
    add_agents(app, deps, outcome)
    if settings.sweep_at is not None:
        close = DailyClose(
            deps.plan.calendar,
            settings.sweep_at,
            publisher=deps.publisher,
            topic=deps.topics.scheduler_commands,
            partitions=settings.topic_partitions,
        )
        add_daily_close(app, close)
    add_pages(app)
    return app
