"""A field visit's slot: when and where, the place in each language (carried by visit events
and by the visit notice's contact request)."""

from __future__ import annotations

from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from shared.eventbase import Identifier

#: The languages a place is written in (the notifier picks the borrower's).
PlaceLocale = Literal["zh-CN", "en"]
PlaceText = Annotated[str, StringConstraints(min_length=1, max_length=300)]


class VisitSlot(BaseModel):
    """When and where a field agent proposes to meet the borrower: a branch from the bank's
    branch list, its name and address in each language, a start and an end (aware)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    visit_id: Identifier
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    #: The branch's time zone (IANA): the hours a notice writes are the branch's local time.
    time_zone: Annotated[str, StringConstraints(max_length=64)] = "Asia/Shanghai"
    branch_id: Identifier
    place: dict[PlaceLocale, PlaceText] = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> VisitSlot:
        if self.ends_at <= self.starts_at:
            raise ValueError("a visit slot ends after it starts")
        try:
            ZoneInfo(self.time_zone)
        except (ValueError, ZoneInfoNotFoundError) as e:
            raise ValueError(f"unknown time zone {self.time_zone}") from e
        if "zh-CN" not in self.place:
            raise ValueError("a visit place is written in zh-CN at least (the default market)")
        return self
