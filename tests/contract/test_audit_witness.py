"""One contract for every Witness adapter: a file (a separate volume) and memory."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.audit.adapters.file_witness import FileWitness
from services.audit.adapters.memory import InMemoryWitness
from services.audit.ports import Witness


@pytest.fixture(params=["memory", "file"])
def witness(request: pytest.FixtureRequest, tmp_path: Path) -> Witness:
    if request.param == "memory":
        return InMemoryWitness()
    return FileWitness(tmp_path / "volume" / "checkpoint")


class TestWitnessContract:
    async def test_nothing_is_witnessed_at_first(self, witness: Witness) -> None:
        assert await witness.latest() is None

    async def test_the_latest_note_replaces_the_one_before(self, witness: Witness) -> None:
        await witness.record("origin\n1\nAAAA\n\n— origin sig1\n")
        await witness.record("origin\n2\nBBBB\n\n— origin sig2\n")
        assert await witness.latest() == "origin\n2\nBBBB\n\n— origin sig2\n"


async def test_a_file_witness_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "checkpoint"
    await FileWitness(path).record("note\n")
    assert await FileWitness(path).latest() == "note\n"
    assert not path.with_suffix(".tmp").exists()
