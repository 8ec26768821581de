"""Kafka topic names, in one place. Names carry a version: a breaking change is a new topic."""

from __future__ import annotations

from dataclasses import dataclass

#: Core banking's loan events (our JSON schema or Fineract's Avro), keyed by loan id.
LOAN_EVENTS = "corebanking.loan-events.v1"
#: Core banking's customer events (contact details changed, consent), keyed by debtor id.
CUSTOMER_EVENTS = "corebanking.customer-events.v1"
#: Scheduler -> notifier: what to say to whom, keyed by debtor id.
CONTACT_REQUESTS = "dunwell.contact-requests.v1"
#: Scheduler -> audit: delinquency range changes, keyed by loan id.
DELINQUENCY = "dunwell.delinquency.v1"
#: Scheduler -> agents and audit: field visits, agent follow-ups, keyed by loan id.
TASKS = "dunwell.tasks.v1"
#: Notifier -> audit: every decision, attempt, provider answer and receipt, keyed by debtor id.
INTERACTIONS = "dunwell.interactions.v1"
#: Notifier -> scheduler and audit: what borrowers answered, keyed by debtor id.
REPLIES = "dunwell.replies.v1"
#: Notifier and desk -> scheduler: what a borrower agreed or asked for on a call or to an agent
#: (a promise, a plan, a dispute, a visit moved), as commands, keyed by debtor id.
CASE_ACTIONS = "dunwell.case-actions.v1"
#: The scheduler's own input, keyed by loan id like the loan events (replies re-keyed by loan,
#: daily sweep ticks sent to every partition); not read by other services.
SCHEDULER_COMMANDS = "dunwell.scheduler.loan-commands.v1"
#: Desk -> notifier: a person's decision on a send in a review queue (approve or reject an
#: escalated send, confirm an uncertain one delivered or not, re-drive a blocked one), as
#: commands, keyed by debtor id like the sends they act on.
REVIEW_DECISIONS = "dunwell.review-decisions.v1"

DLQ_SUFFIX = ".dlq"

ALL_TOPICS: tuple[str, ...] = (
    SCHEDULER_COMMANDS,
    LOAN_EVENTS,
    CUSTOMER_EVENTS,
    CONTACT_REQUESTS,
    DELINQUENCY,
    TASKS,
    INTERACTIONS,
    REPLIES,
    CASE_ACTIONS,
    REVIEW_DECISIONS,
)


def dead_letter(topic: str) -> str:
    """Name of the dead-letter topic of ``topic`` (``<topic>.dlq``).

    :param topic: the (possibly namespaced) source topic.
    """
    return topic + DLQ_SUFFIX


@dataclass(frozen=True)
class Topics:
    """Topic names as one deployment sees them: an optional namespace prefix keeps tests
    and side-by-side environments apart on one cluster."""

    namespace: str = ""

    def name(self, base: str) -> str:
        """The deployed name of a base topic name.

        :param base: one of the module-level topic constants.
        """
        return f"{self.namespace}.{base}" if self.namespace else base

    @property
    def loan_events(self) -> str:
        return self.name(LOAN_EVENTS)

    @property
    def customer_events(self) -> str:
        return self.name(CUSTOMER_EVENTS)

    @property
    def contact_requests(self) -> str:
        return self.name(CONTACT_REQUESTS)

    @property
    def delinquency(self) -> str:
        return self.name(DELINQUENCY)

    @property
    def tasks(self) -> str:
        return self.name(TASKS)

    @property
    def interactions(self) -> str:
        return self.name(INTERACTIONS)

    @property
    def replies(self) -> str:
        return self.name(REPLIES)

    @property
    def case_actions(self) -> str:
        return self.name(CASE_ACTIONS)

    @property
    def review_decisions(self) -> str:
        return self.name(REVIEW_DECISIONS)

    @property
    def scheduler_commands(self) -> str:
        return self.name(SCHEDULER_COMMANDS)

    def all(self) -> tuple[str, ...]:
        """Every topic, with its dead-letter topic after it."""
        names = [self.name(base) for base in ALL_TOPICS]
        return tuple(n for name in names for n in (name, dead_letter(name)))

    def dead_letters(self) -> tuple[str, ...]:
        """Every dead-letter topic."""
        return tuple(dead_letter(self.name(base)) for base in ALL_TOPICS)
