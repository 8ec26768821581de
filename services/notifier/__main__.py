"""Run the notifier: ``python -m services.notifier``."""

from __future__ import annotations

import gc
import sys

from aiohttp import web

from services.notifier.app import build_app
from services.notifier.bootstrap import SERVICE
from services.notifier.settings import Settings
from shared.logging import configure_logging
from shared.service import run


async def _frozen(app: web.Application) -> None:
    """Once started, what the start-up made too (packs, templates, look-alike tables, clients)
    is left out of the collector's passes (:func:`shared.service.run` freezes what the imports
    made, before the start-up): each send's garbage is what it walks."""
    gc.collect()
    gc.freeze()


def main() -> int:
    settings = Settings()
    configure_logging(SERVICE, settings.log_level)
    app = build_app(settings)
    app.on_startup.append(_frozen)  # after the app's own start-up (its contexts run first)
    return run(app, host=settings.http_host, port=settings.http_port)


if __name__ == "__main__":
    sys.exit(main())
