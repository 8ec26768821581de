"""What agents' systems append over HTTP: call logs, visit records, recording hashes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter

from services.audit.domain.entries import NewEntry, canonical
from shared.events import Identifier, derived_event_id

Text = Annotated[str, StringConstraints(max_length=2000)]


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    record_id: Identifier
    debtor_id: Identifier
    loan_id: Identifier | None = None
    agent_id: Identifier


class CallLogged(_Record):
    kind: Literal["call_logged"]
    started_at: AwareDatetime
    duration_s: int = Field(ge=0, le=24 * 3600)
    summary: Text
    borrower_feedback: Text = ""


class VisitRecorded(_Record):
    kind: Literal["visit_recorded"]
    visited_at: AwareDatetime
    place: Annotated[str, StringConstraints(max_length=300)]
    outcome: Annotated[str, StringConstraints(max_length=100)]
    summary: Text


class RecordingHashed(_Record):
    kind: Literal["recording_hashed"]
    call_record_id: Identifier
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    duration_s: int = Field(ge=0, le=24 * 3600)
    recorded_at: AwareDatetime


AgentRecord = Annotated[CallLogged | VisitRecorded | RecordingHashed, Field(discriminator="kind")]
RECORDS: TypeAdapter[AgentRecord] = TypeAdapter(AgentRecord)


def occurred_at(record: AgentRecord) -> datetime:
    """When what the record describes happened: the call, the visit or the recording."""
    if isinstance(record, CallLogged):
        return record.started_at
    if isinstance(record, VisitRecorded):
        return record.visited_at
    return record.recorded_at


def entry_for_agent_record(record: AgentRecord, *, source: str) -> NewEntry:
    """The log entry of an agent's record; its id derives from the source and record id, so a
    resubmission is a no-op."""
    return NewEntry(
        event_id=derived_event_id("agent", source, record.record_id),
        kind=f"dunwell.agent.{record.kind}.v1",
        topic=f"http:{source}",
        debtor_id=record.debtor_id,
        loan_id=record.loan_id,
        occurred_at=occurred_at(record),
        payload=canonical(record.model_dump(mode="json")),
    )
