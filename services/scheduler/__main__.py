"""Run the scheduler: ``python -m services.scheduler`` (a faust worker)."""

from __future__ import annotations

import sys

from services.scheduler.app import build_app
from services.scheduler.bootstrap import worker as scheduler_worker
from services.scheduler.settings import Settings
from shared.service import Outcome


def main() -> int:
    settings = Settings()
    outcome = Outcome()
    app = build_app(settings, outcome)
    worker = scheduler_worker(app, settings)
    code = 0
    try:
        worker.execute_from_commandline()  # runs until SIGTERM/SIGINT, then raises SystemExit
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 1
    return 1 if outcome.failed else code


if __name__ == "__main__":
    sys.exit(main())
