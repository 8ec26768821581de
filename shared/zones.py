"""Time-zone names as configuration takes them: a name the tz database knows, or a clear error."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator


def known_zone(value: str) -> str:
    """``value`` if the tz database knows it; raises :class:`ValueError` otherwise."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise ValueError(f"unknown time zone {value!r}") from e
    return value


TimeZoneName = Annotated[str, AfterValidator(known_zone)]
