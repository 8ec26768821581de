"""The witness in a file outside the log's database (a separate volume in production)."""

from __future__ import annotations

import os
from pathlib import Path


class FileWitness:
    """:class:`~services.audit.ports.Witness` in a file, replaced atomically."""

    def __init__(self, path: Path) -> None:
        self._path = path

    async def latest(self) -> str | None:
        try:
            return self._path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None

    async def record(self, note: str) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._path.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8") as out:
            out.write(note)
            out.flush()
            os.fsync(out.fileno())
        tmp.replace(self._path)
