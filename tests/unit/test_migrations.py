"""Every service's Alembic revisions form one line: a single head, each revision after the one
before (two changes landing side by side must not leave a database with two heads)."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

SERVICES = Path(__file__).resolve().parents[2] / "services"
MIGRATED = sorted(p.parent.parent.name for p in SERVICES.glob("*/migrations/env.py"))


def test_every_database_service_is_checked() -> None:
    assert {"audit", "desk", "notifier"} <= set(MIGRATED)


@pytest.mark.parametrize("service", MIGRATED)
def test_the_revisions_form_one_line(service: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(SERVICES / service / "migrations"))
    script = ScriptDirectory.from_config(config)
    assert len(script.get_heads()) == 1, script.get_heads()
    revisions = list(script.walk_revisions())
    assert all(r.down_revision is None or isinstance(r.down_revision, str) for r in revisions)
    assert revisions[-1].down_revision is None
