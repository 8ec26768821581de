"""The console's words for the actions agents take down on a case (the vocabulary
``case_action``: what was asked for, what was agreed), in zh-CN and English: merged into the
catalogues by :mod:`.i18n`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

ZH_ACTIONS: Final[Mapping[str, str]] = {
    "case_action.promise_to_pay": "承诺还款",
    "case_action.extension_request": "申请延期",
    "case_action.instalment_request": "申请分期还款",
    "case_action.extension_agreed": "同意延期",
    "case_action.plan_agreed": "达成分期还款计划",
    "case_action.dispute": "异议",
    "case_action.complaint": "投诉",
    "case_action.already_paid": "称已还款",
    "case_action.reschedule_visit": "改约上门",
    "case_action.wrong_party": "非本人",
    "case_action.stop_calling": "要求停止来电",
}

EN_ACTIONS: Final[Mapping[str, str]] = {
    "case_action.promise_to_pay": "Promise to pay",
    "case_action.extension_request": "Extension asked for",
    "case_action.instalment_request": "Instalment plan asked for",
    "case_action.extension_agreed": "Extension agreed",
    "case_action.plan_agreed": "Instalment plan agreed",
    "case_action.dispute": "Dispute",
    "case_action.complaint": "Complaint",
    "case_action.already_paid": "Says already paid",
    "case_action.reschedule_visit": "Move the field visit",
    "case_action.wrong_party": "Wrong party",
    "case_action.stop_calling": "Stop calling",
}
