"""`dunwell verify`: offline, exit 0 with a report, exit 1 naming the first failing entry;
bundles of format 1 keep verifying."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from click.testing import CliRunner

from services.cli import main

GOLDEN = Path(__file__).parents[3] / "data" / "bundle-v1.json"


def run(path: Path, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["verify", str(path), *extra])
    return result.exit_code, result.output


def test_a_format_1_bundle_still_verifies() -> None:
    code, output = run(GOLDEN)
    assert code == 0, output
    assert "VERIFIED" in output
    assert "entry 1: dunwell.interaction.recorded.v1" in output


def test_pinned_keys_are_used_instead_of_the_bundles_own(tmp_path: Path) -> None:
    bundle = json.loads(GOLDEN.read_text())
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps({"keys": bundle["keys"]}))
    assert run(GOLDEN, "--keys", str(keys))[0] == 0
    other = {"keys": [{**bundle["keys"][0], "public_key": base64.b64encode(b"k" * 32).decode()}]}
    keys.write_text(json.dumps(other))
    code, output = run(GOLDEN, "--keys", str(keys))
    assert code == 1
    assert "signature wrong" in output


def test_an_edited_entry_is_named(tmp_path: Path) -> None:
    bundle = json.loads(GOLDEN.read_text())
    target = bundle["entries"][1]
    target["plaintext"] = base64.b64encode(b'{"n": 3, "kind": "paid in full"}').decode()
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(bundle))
    code, output = run(edited)
    assert code == 1
    assert f"entry {target['leaf_index']}: content changed" in output


def test_an_unreadable_file_is_a_clear_failure(tmp_path: Path) -> None:
    junk = tmp_path / "junk.json"
    junk.write_text("{not json")
    code, output = run(junk)
    assert code == 1
    assert "not a readable bundle" in output
