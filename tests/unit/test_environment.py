"""The project's environment as ``make venv`` builds it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import aiokafka
import faust
import sqlalchemy


def test_the_dependencies_are_compiled_to_bytecode() -> None:
    """Installed with their bytecode: under PYTHONDONTWRITEBYTECODE a process cannot cache
    what it compiles, and each service's start compiled its dependencies again (about 3 s of
    CPU)."""
    for module in (faust, aiokafka, sqlalchemy):
        source = module.__file__
        assert source is not None
        assert Path(importlib.util.cache_from_source(source)).exists(), module.__name__
