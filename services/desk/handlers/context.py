"""What the desk's use cases run on, wired once by the application."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from services.desk.domain.disputes import AnswerPeriods
from services.desk.domain.sla import SlaPolicy
from services.desk.ports import Clock, DeskStore, EvidenceLog, ReviewStore, VisitStore
from shared.calendars import Calendar
from shared.case_grants import GrantSigner
from shared.ports import EventPublisher


@dataclass(frozen=True, kw_only=True)
class DeskContext:
    store: DeskStore
    clock: Clock
    calendar: Calendar
    policy: SlaPolicy
    #: The team each task kind goes to, and the team for every other kind.
    team_by_kind: Mapping[str, str]
    default_team: str
    teams: tuple[str, ...]
    #: Where agents' actions go as commands to the scheduler.
    publisher: EventPublisher
    case_actions_topic: str
    #: The review queues, where people's decisions go (to the notifier), and the team whose
    #: agents decide the uncertain and blocked queues.
    reviews: ReviewStore
    review_decisions_topic: str
    review_team: str
    #: Days the bank has to answer a dispute or complaint (from the market's pack).
    answer_periods: AnswerPeriods
    #: Field visits, and the topic their outcomes go to (the tasks topic: the evidence log).
    visits: VisitStore
    tasks_topic: str
    #: The audit service's evidence log (None: not configured), read under case grants the
    #: desk signs with ``grants`` (a key of its own per process unless configured).
    evidence: EvidenceLog | None = None
    grants: GrantSigner = field(default_factory=GrantSigner.generated)
