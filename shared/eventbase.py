"""What every Dunwell event is: identity, time, schema version, and the shared field types."""

from __future__ import annotations

import abc
import uuid
from decimal import Decimal
from typing import Annotated, Final, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

#: Namespace for deterministic event ids derived from natural keys (uuid5).
EVENT_ID_NAMESPACE: Final = uuid.UUID("9d1c0c2e-5a4b-4f0e-9a43-2f3d6c1b7e10")

Identifier = Annotated[
    str, StringConstraints(min_length=1, max_length=128, pattern=r"^[\w.:|\-]+$")
]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Money = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=4)]
Channel = Literal["sms", "email", "wechat"]
#: Every way Dunwell reaches a borrower: the message channels and the telephone.
ContactChannel = Literal["sms", "email", "wechat", "voice"]


def derived_event_id(*parts: str) -> str:
    """A deterministic event id for an event derived from others, so a replay yields the same id.

    :param parts: the natural key, e.g. loan id, episode and step.
    """
    return str(uuid.uuid5(EVENT_ID_NAMESPACE, "|".join(parts)))


class Event(BaseModel):
    """Base of every event: identity, time, schema version. Never edited in place."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    event_id: Identifier
    occurred_at: AwareDatetime
    schema_version: Literal[1] = 1

    @abc.abstractmethod
    def partition_key(self) -> str:
        """The Kafka key: what must stay ordered together."""
