"""Run the notifier: ``python -m services.notifier``."""

from __future__ import annotations

import sys

from services.notifier.app import build_app
from services.notifier.bootstrap import SERVICE
from services.notifier.settings import Settings
from shared.logging import configure_logging
from shared.service import run


def main() -> int:
    settings = Settings()
    configure_logging(SERVICE, settings.log_level)
    return run(build_app(settings), host=settings.http_host, port=settings.http_port)


if __name__ == "__main__":
    sys.exit(main())
