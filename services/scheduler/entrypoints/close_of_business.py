"""The daily close of business, on the leader, when core banking sends none."""

from __future__ import annotations

from datetime import UTC, datetime

import faust

from services.scheduler.handlers.close_day import DailyClose

#: How often the leader looks at the clock (seconds); the close goes out within this of sweep_at.
TICK_S = 30.0


def add_daily_close(app: faust.App, close: DailyClose) -> None:
    """Run ``close`` on the leader every :data:`TICK_S` seconds."""

    @app.timer(TICK_S, on_leader=True)  # type: ignore[untyped-decorator]
    async def close_business_day() -> None:
        await close.tick(datetime.now(UTC))
