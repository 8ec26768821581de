"""Loading policy packs: built-in or from a file, overlays merged, holiday rules bound to
their calendars; a pack that cannot be used raises :class:`PackInvalid`."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import yaml
from pydantic import ValidationError

from services.notifier.domain.policy.overlay import check_overlay, merge
from services.notifier.domain.policy.pack import Pack
from services.notifier.domain.policy.rules import HolidayRule, PackInvalid
from shared.calendars import CALENDARS_DIR, load_calendars
from shared.errors import ConfigurationError

PACKS_DIR = Path(__file__).resolve().parents[2] / "config" / "packs"
BUILTIN = ("cn", "us")


def load_pack(name_or_path: str, calendars_dir: Path = CALENDARS_DIR) -> Pack:
    """A built-in pack (``cn``, ``us``) or a YAML file, its holiday rules bound to the calendars
    in ``calendars_dir``; :class:`PackInvalid` if unusable."""
    pack = _load(name_or_path)
    try:
        calendars = load_calendars(calendars_dir)
    except ConfigurationError as e:
        raise PackInvalid(f"pack {name_or_path}: {e}") from e
    for rule in pack.of_type(HolidayRule):
        calendar = calendars.get(rule.calendar)
        if calendar is None:
            raise PackInvalid(f"rule {rule.id}: no calendar {rule.calendar} in {calendars_dir}")
        rule.bind(calendar)
    return pack


def _load(name_or_path: str) -> Pack:
    path = PACKS_DIR / f"{name_or_path}.yaml" if name_or_path in BUILTIN else Path(name_or_path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise PackInvalid(f"cannot read pack {name_or_path}: {e}") from e
    if not isinstance(raw, dict):
        raise PackInvalid(f"pack {name_or_path} is not a mapping")
    digest = hashlib.sha256(json.dumps(raw, sort_keys=True, default=str).encode()).hexdigest()
    base_name = (raw.get("pack") or {}).get("extends")
    if base_name:
        base = _load(base_name)
        check_overlay(base, raw)
        raw = merge(base.model_dump(mode="json", exclude={"digest"}), raw)
    try:
        return Pack.model_validate({**raw, "digest": digest})
    except ValidationError as e:
        raise PackInvalid(f"pack {name_or_path} is invalid: {e}") from e
