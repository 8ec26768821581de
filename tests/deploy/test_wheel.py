"""The wheel the image installs holds the services and shared code, never the sandbox or tests."""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
UV = ROOT / ".local" / "bootstrap" / "bin" / "uv"


def test_the_wheel_ships_no_stand_ins(tmp_path: Path) -> None:
    subprocess.run(
        [str(UV), "build", "--wheel", "--quiet", "--out-dir", str(tmp_path)],
        cwd=ROOT,
        check=True,
    )
    [wheel] = tmp_path.glob("dunwell-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names}
    assert tops == {"services", "shared", next(t for t in tops if t.endswith(".dist-info"))}
    assert "services/cli.py" in names
    assert "services/notifier/config/packs/cn.yaml" in names
    assert "shared/calendars/cn.yaml" in names
