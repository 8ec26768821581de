"""Run the scheduler: ``python -m services.scheduler`` (a faust worker)."""

from __future__ import annotations

import sys

import faust

from services.scheduler.app import build_app
from services.scheduler.settings import Settings
from shared.logging import logging_config
from shared.service import Outcome


def main() -> int:
    settings = Settings()
    outcome = Outcome()
    app = build_app(settings, outcome)
    worker = faust.Worker(
        app,
        loglevel=settings.log_level,
        logging_config=logging_config("scheduler", settings.log_level),
    )
    code = 0
    try:
        worker.execute_from_commandline()  # runs until SIGTERM/SIGINT, then raises SystemExit
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 1
    return 1 if outcome.failed else code


if __name__ == "__main__":
    sys.exit(main())
