"""Refusals' reasons on zh-CN pages: every reason the desk (and the identity checks it runs)
raises for a page to show has its Chinese text, read from the source so that a new reason
without one fails here; English pages keep the reason as it is."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.desk.domain.i18n import Words
from services.desk.domain.i18n_reasons import chinese_reason

ROOT = Path(__file__).resolve().parents[4]
SOURCES = [
    *sorted((ROOT / "services" / "desk").rglob("*.py")),
    ROOT / "shared" / "identity.py",
    ROOT / "shared" / "jwks.py",
]
#: The refusals the console's pages show (services/desk/entrypoints/console/web.py).
REFUSALS = {
    "BadSession",
    "CaseNotFound",
    "CsrfRefused",
    "DisputeNotFound",
    "GateRefused",
    "GateUnavailable",
    "InvalidCredentials",
    "NotAllowed",
    "RetryableError",
    "ReviewNotFound",
    "StaleWrite",
    "TaskNotFound",
    "TransitionRefused",
    "VisitNotFound",
    "VisitRefused",
}
#: Reasons built from values: each skeleton (its values as {}) with the reasons it gives.
BUILT = {
    "a report covers at most {} days": ["a report covers at most 92 days"],
    "the loan is {}": ["the loan is written off", "the loan is closed"],
    "only {} decide the {} queue": [
        "only compliance officers decide the escalated queue",
        "only the review team decide the uncertain queue",
        "only the review team decide the blocked queue",
    ],
    "the item is {} already": ["the item is decided already", "the item is closed already"],
    "{} is not a decision on the {} queue": ["approve is not a decision on the uncertain queue"],
    "only a confirmed visit has an outcome; this one is {}": [
        "only a confirmed visit has an outcome; this one is proposed",
        "only a confirmed visit has an outcome; this one is undelivered",
        "only a confirmed visit has an outcome; this one is cancelled",
    ],
    "the task is {}": ["the task is done", "the task is closed"],
    "only a task in progress can be done; this one is {}": [
        "only a task in progress can be done; this one is open",
        "only a task in progress can be done; this one is done",
    ],
    "the visit is {}": ["the visit is cancelled", "the visit is done"],
    "desk database unavailable: {}": ["desk database unavailable: OperationalError"],
    "the identity provider answered {}": ["the identity provider answered 503"],
    "identity provider unreachable: {}": ["identity provider unreachable: ClientConnectorError"],
    "the identity provider refused the code: {}": [
        "the identity provider refused the code: invalid_grant"
    ],
    "the identity provider refused: {}": ["the identity provider refused: access_denied"],
    "the pre-call gate is unreachable: {}": ["the pre-call gate is unreachable: TimeoutError"],
    "the pre-call gate answered {}": ["the pre-call gate answered 503"],
    "malformed token: {}": ["malformed token: DecodeError"],
    "invalid token: {}": ["invalid token: InvalidSignatureError"],
}


def _raised() -> Iterator[tuple[str, str]]:
    """(where, reason or skeleton) of every refusal raised with a written reason."""
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not isinstance(node, ast.Raise) or not isinstance(node.exc, ast.Call):
                continue
            call = node.exc
            name = call.func.attr if isinstance(call.func, ast.Attribute) else None
            name = call.func.id if isinstance(call.func, ast.Name) else name
            if name not in REFUSALS or not call.args:
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            reason = call.args[0]
            if isinstance(reason, ast.Constant) and isinstance(reason.value, str):
                yield where, reason.value
            elif isinstance(reason, ast.JoinedStr):
                parts = [p.value if isinstance(p, ast.Constant) else "{}" for p in reason.values]
                yield where, "".join(str(p) for p in parts)


RAISED = sorted(set(_raised()))


def test_the_source_is_read() -> None:
    assert len(RAISED) > 50


@pytest.mark.parametrize(("where", "reason"), RAISED, ids=[w for w, _ in RAISED])
def test_every_reason_raised_has_its_chinese_text(where: str, reason: str) -> None:
    examples = BUILT.get(reason, [reason]) if "{}" in reason else [reason]
    assert "{}" not in reason or reason in BUILT, f"{where}: add examples of {reason!r}"
    for example in examples:
        shown = Words("zh-CN").reason(example)
        assert shown, f"{where}: no Chinese for {example!r}"
        assert not any(
            c.isascii() and c.isalpha() for c in shown.replace("CSRF", "").replace("YYYY-MM-DD", "")
        ), f"{where}: {shown!r} is not all Chinese"


def test_values_in_a_reason_are_translated_and_english_pages_keep_it() -> None:
    zh = Words("zh-CN")
    assert zh.reason("the visit is cancelled") == "该上门已是“已取消”状态，不能改约。"
    assert zh.reason("the item is decided already") == "该事项已是“已决定”状态。"
    assert zh.reason("invalid: outcome, note") == "表单有误，请检查：结果、备注。"
    assert zh.reason("invalid: dispositions.0.amount") == "表单有误，请检查：借款人的诉求。"
    assert zh.reason("something the desk never said") == ""
    assert Words("en").reason("the visit is cancelled") == "the visit is cancelled"
    assert chinese_reason("no such visit", lambda _v, value: value) == "未找到该上门安排。"
