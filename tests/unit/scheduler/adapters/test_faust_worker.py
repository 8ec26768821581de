"""The scheduler's faust worker keeps the root logger at the level it is given: faust's own
sets it to DEBUG (for its terminal spinner) whenever the level is WARNING or above."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import faust
import pytest

from services.scheduler.adapters.faust_worker import Worker
from services.scheduler.bootstrap import worker
from services.scheduler.settings import Settings
from shared.logging import logging_config
from tests.support.faust import closing_spare_loops


@pytest.fixture(autouse=True)
def _logging_restored() -> Iterator[None]:
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture(autouse=True)
def _no_spare_loops() -> Iterator[None]:
    yield from closing_spare_loops()


def _root_after_setup(worker_class: type[faust.Worker], level: str) -> logging.Logger:
    app = faust.App("worker-test", broker="kafka://127.0.0.1:9", autodiscover=False)
    worker = worker_class(
        app,
        loglevel=level,
        logging_config=logging_config("scheduler", level),
        redirect_stdouts=False,
    )
    worker._setup_logging()
    return logging.getLogger()


@pytest.mark.parametrize("level", ["WARNING", "ERROR", "INFO"])
def test_the_root_logger_keeps_the_configured_level(level: str) -> None:
    root = _root_after_setup(Worker, level)
    assert root.level == logging.getLevelName(level)
    assert not logging.getLogger("faust.topics").isEnabledFor(logging.DEBUG)


def test_the_bootstraps_worker_is_it() -> None:
    app = faust.App("worker-test", broker="kafka://127.0.0.1:9", autodiscover=False)
    assert isinstance(worker(app, Settings(log_level="WARNING")), Worker)


def test_fausts_own_worker_would_log_every_debug_record_at_warning() -> None:
    """Why the worker is ours: faust's turns DEBUG on for the spinner."""
    root = _root_after_setup(faust.Worker, "WARNING")
    assert root.level == logging.DEBUG
