"""The desk's own metrics. Labels are bounded: task kind, team (from settings), outcome."""

from __future__ import annotations

from typing import Final

from prometheus_client import Counter, Gauge

TASKS_OPENED: Final = Counter(
    "desk_tasks_opened", "Tasks opened (new, not redeliveries).", ["kind"]
)
TASKS_FINISHED: Final = Counter(
    "desk_tasks_finished",
    "Tasks done by an agent (outcome) or closed by the desk (cured, written_off, closed).",
    ["kind", "how", "outcome"],  # how: done | closed
)
ACTIONS: Final = Counter(
    "desk_actions",
    "Agents' actions on tasks, by what was asked and whether it was taken.",
    ["action", "result"],  # result: ok | refused | conflict
)
CASE_ACTIONS: Final = Counter(
    "desk_case_actions", "Agents' actions on cases sent to the scheduler.", ["action"]
)
TASKS_LIVE: Final = Gauge("desk_tasks_live", "Open and in-progress tasks per team.", ["team"])
TASKS_OVERDUE: Final = Gauge(
    "desk_tasks_overdue", "Live tasks past their SLA due time, per team.", ["team"]
)
AUTH_REFUSALS: Final = Counter("desk_auth_refusals", "Refused API calls.", ["status"])
REVIEWS_OPENED: Final = Counter(
    "desk_reviews_opened", "Sends put in a review queue (new, not redeliveries).", ["queue"]
)
REVIEWS_DECIDED: Final = Counter(
    "desk_reviews_decided",
    "People's decisions on review items, sent to the notifier.",
    ["queue", "verdict"],
)
REVIEWS_OPEN: Final = Gauge("desk_reviews_open", "Items waiting for a decision.", ["queue"])
CONSOLE_SIGN_INS: Final = Counter(
    "desk_console_sign_ins",
    "Console sign-ins and sign-outs.",
    ["event"],  # in | out | refused
)
CONSOLE_REFUSALS: Final = Counter(
    "desk_console_refusals", "Console requests answered with a refusal page.", ["status"]
)
CALLS_REPORTED: Final = Counter(
    "desk_calls_reported",
    "Calls reported against a call task: the task closed, or nothing to close (ignored).",
    ["result"],
)
DISPUTES_CHANGED: Final = Counter(
    "desk_disputes_changed",
    "Disputes and complaints entered in the register (opened) and resolved.",
    ["category", "change"],
)
DISPUTES_OPEN: Final = Gauge(
    "desk_disputes_open", "Disputes and complaints not yet resolved.", ["category"]
)
DISPUTES_OVERDUE: Final = Gauge(
    "desk_disputes_overdue",
    "Disputes and complaints still unanswered after the day the bank's answer was due.",
    ["category"],
)
VISITS: Final = Counter(
    "desk_field_visits",
    "Field visits by what happened: proposed, confirmed (notice delivered), undelivered, "
    "cancelled, done_<outcome>.",
    ["what"],
)
