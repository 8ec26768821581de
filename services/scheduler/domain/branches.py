"""The bank's branch list: where a field visit can be held, by region, written in each language.

Operator data (``config/branches.yaml``), validated at load. A loan whose region no branch
serves gets no visit place: the visit is held for a person, never sent with a made-up place.
"""

from __future__ import annotations

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from shared.errors import ConfigurationError
from shared.visit_slot import PlaceLocale, PlaceText


class BranchListError(ConfigurationError):
    """The branch list is refused; the message says why."""


class _Closed(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Branch(_Closed):
    id: str = Field(pattern=r"^[\w.-]+$", max_length=64)
    #: The region code loans carry (core banking's ``region``): this branch serves them.
    region: str = Field(pattern=r"^[\w.-]+$", max_length=64)
    name: dict[PlaceLocale, PlaceText]
    address: dict[PlaceLocale, PlaceText]

    @model_validator(mode="after")
    def _zh_first(self) -> Branch:
        if "zh-CN" not in self.name or "zh-CN" not in self.address:
            raise ValueError(f"branch {self.id} needs its zh-CN name and address")
        return self

    def place(self) -> dict[PlaceLocale, str]:
        """The place as a notice writes it: the branch's name, then its address."""
        return {
            locale: f"{name}（{self.address.get(locale, self.address['zh-CN'])}）"
            if locale == "zh-CN"
            else f"{name}, {self.address.get(locale, self.address['zh-CN'])}"
            for locale, name in self.name.items()
        }


class BranchList(_Closed):
    branches: tuple[Branch, ...] = ()

    @model_validator(mode="after")
    def _unique(self) -> BranchList:
        if len({b.id for b in self.branches}) != len(self.branches):
            raise ValueError("two branches share an id")
        return self

    def for_region(self, region: str | None) -> Branch | None:
        """The branch that serves ``region`` (the first listed, so the choice is stable)."""
        if region is None:
            return None
        return next((b for b in self.branches if b.region == region), None)


def load_branches(text: str) -> BranchList:
    """Parse and validate a branch list YAML document."""
    try:
        return BranchList.model_validate(yaml.safe_load(text) or {})
    except (yaml.YAMLError, ValidationError) as e:
        raise BranchListError(f"branch list refused: {e}") from e
