"""Fixtures of the notifier's use-case and entry-point tests."""

from __future__ import annotations

import pytest

from tests.unit.notifier.handlers.support import Fixture


@pytest.fixture
def f() -> Fixture:
    return Fixture()
