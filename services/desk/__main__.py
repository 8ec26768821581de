"""Run the desk: ``python -m services.desk``."""

from __future__ import annotations

import sys

from services.desk.app import build_app
from services.desk.bootstrap import SERVICE
from services.desk.settings import Settings
from shared.logging import configure_logging
from shared.service import run


def main() -> int:
    settings = Settings()
    configure_logging(SERVICE, settings.log_level)
    return run(build_app(settings), host=settings.http_host, port=settings.http_port)


if __name__ == "__main__":
    sys.exit(main())
