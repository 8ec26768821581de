"""Where entries come from: Kafka records, dead letters, agents' records; the leaf bytes."""

from __future__ import annotations

import pytest

from services.audit.domain.entries import entry_for_record
from shared.errors import InvalidEvent


def test_an_invalid_event_is_refused_for_the_dead_letter_topic() -> None:
    with pytest.raises(InvalidEvent):
        entry_for_record(topic="dunwell.interactions.v1", value=b"{", headers=[], timestamp_ms=0)
