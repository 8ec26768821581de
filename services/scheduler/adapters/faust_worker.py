"""The faust worker the scheduler runs in, without faust's terminal spinner.

faust's worker draws a progress spinner on the terminal at start-up, fed by every log record:
at a log level of WARNING or above it sets the root logger to DEBUG and adds a handler at DEBUG
for it. Every debug call of faust then builds a log record (its message with the record's key
and value) that only the spinner reads: nearly 3 % of the scheduler's time at WARNING. Our
logs are JSON lines (``shared.logging``), never a terminal's, so the spinner is left out and the
root logger keeps the level it is given.
"""

from __future__ import annotations

from typing import Any

import faust


class Worker(faust.Worker):
    """:class:`faust.Worker` without the spinner (the root logger at the configured level)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.spinner = None
