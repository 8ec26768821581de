"""The compliance gate's reasons on zh-CN pages: every reason the notifier's policy engine, its
pre-call gate and its providers' quotas give is read from the source, so that a new reason
without Chinese text fails here; English pages keep the reason as it is."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.desk.domain.i18n import Words
from services.desk.domain.i18n_gate import gate_part
from services.notifier.domain.policy.engine import evaluate
from services.notifier.domain.policy.loading import load_pack
from services.notifier.domain.policy.scenario import Scenario

ROOT = Path(__file__).resolve().parents[4]
NOTIFIER = ROOT / "services" / "notifier"
SOURCES = [
    *sorted((NOTIFIER / "domain" / "policy").glob("*.py")),
    NOTIFIER / "domain" / "calls.py",
    *sorted((NOTIFIER / "adapters" / "channels").glob("*.py")),
]
#: Where a reason is given: the call, and which argument (a position, or a keyword's name).
GIVEN = {"RuleResult": 2, "Fired": 1, "SendLater": 0, "Decision": "reasons"}
#: Reasons built from values: each skeleton (its values as {}) with reasons the packs give.
BUILT = {
    "escalation approved: {}": [
        "CN-CONTENT-BAN: escalation approved: legal reference '立案' unattested"
    ],
    "no permitted time within {} days": ["GATE-HORIZON: no permitted time within 45 days"],
    "the borrower opted out of {}": [
        "CN-OPTOUT: the borrower opted out of sms",
        "US-MEDIUM-1: the borrower opted out of email",
    ],
    "{} needs prior express consent": ["US-TCPA: voice needs prior express consent"],
    "the debt is under {} {}, held until it is resolved": [
        "CN-DISPUTE-HOLD: the debt is under dispute dsp-1, held until it is resolved",
        "CN-DISPUTE-HOLD: the debt is under complaint cmp-2, held until it is resolved",
    ],
    "contact point obtained by '{}'": ["CN-TP-1: contact point obtained by 'scraped'"],
    "role '{}' may only help re-establish contact": [
        "CN-TP-1: role 'other' may only help re-establish contact"
    ],
    "role '{}' may not be contacted about the debt": [
        "CN-TP-1: role 'other' may not be contacted about the debt"
    ],
    "the {} calendar has {} for {}: holiday policy and statutory no-contact days applied": [
        "CN-CAL: the cn calendar has provisional data for 2027: holiday policy and statutory "
        "no-contact days applied",
        "CN-CAL: the cn calendar has no data for 2028: holiday policy and statutory no-contact "
        "days applied",
    ],
    "{} is outside {} in {}": [
        "CN-TIME-1: 23:10:05 is outside 08:00-22:00 in Asia/Shanghai",
        "US-TIME-1: 07:30:00 is outside 08:00-21:00 in America/New_York",
    ],
    "{} is a no-contact day": ["CN-CAL: 2026-02-16 is a no-contact day"],
    "{} is {}: {} message(s) a day": [
        "CN-CAL: 2026-10-02 is a holiday: 1 message(s) a day",
        "CN-CAL: 2027-10-02 is not known for certain (provisional calendar): 1 message(s) a day",
        "CN-CAL: 2028-10-02 is not known for certain (missing calendar): 1 message(s) a day",
    ],
    "cap of {} per {} per {}": [
        "CN-FREQ-1: cap of 3 per calendar day per debtor",
        "CN-FREQ-2: cap of 6 per calendar day per contact_point",
        "CN-FREQ-MSG: cap of 2 per rolling 86400s per debtor",
        "CN-FREQ-ALL: cap of 20 per 7 consecutive days per debtor",
        "US-FREQ-1: cap of 7 per 7 consecutive days per debt",
        "X-CAP: cap of 4 per rolling 3600s per contact_point",
        "X-CAP: cap of 1 per calendar day per debt",
    ],
    "{} days without {} after a {}": ["US-FREQ-2: 7 days without voice after a conversation"],
    "unmasked {}": [
        f"CN-PII: unmasked {name}"
        for name in ("account_or_card_number", "identity_number", "mobile_number")
    ]
    + ["US-PII: unmasked social_security_number"],
    "{} SMS segments, at most {}": ["CN-SMS-LEN: 4 SMS segments, at most 3"],
    "required element missing: {}": [
        "CN-CONTENT-REQ: required element missing: privacy_notice",
        "US-OPT-NOTICE: required element missing: opt_out_instructions",
    ],
    "{} does not match the debt": ["CN-CONTENT-REQ: amount_due does not match the debt"],
    "banned {}: '{}'": [
        "CN-CONTENT-BAN: banned threats: '曝光'",
        "CN-CONTENT-BAN: banned impersonation: '公安'",
    ],
    "legal reference '{}' unattested": ["CN-CONTENT-BAN: legal reference '法院' unattested"],
    "banned {}": ["CN-CONTENT-BAN: banned personal_repayment"],
    "{}: same number again too soon": ["sms-gateway: same number again too soon"],
}


def _skeleton(node: ast.expr, scope: ast.AST) -> Iterator[str]:
    """The reason an expression gives: a constant, an f-string's skeleton, a name assigned in
    the same function; a reason passed on from another result gives none here."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.JoinedStr):
        yield "".join(str(p.value) if isinstance(p, ast.Constant) else "{}" for p in node.values)
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        for left in _skeleton(node.left, scope):
            yield from (left + right for right in _skeleton(node.right, scope))
    elif isinstance(node, ast.Name):
        for assigned in ast.walk(scope):
            if isinstance(assigned, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == node.id for t in assigned.targets
            ):
                yield from _skeleton(assigned.value, scope)
    elif isinstance(node, ast.List):
        for element in node.elts:
            yield from _skeleton(element, scope)


def _given() -> Iterator[tuple[str, str]]:
    """(where, reason or skeleton) of every reason the gate's source gives."""
    for path in SOURCES:
        tree = ast.parse(path.read_text("utf-8"))
        for scope in ast.walk(tree):
            if not isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for call in ast.walk(scope):
                if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Name):
                    continue
                at = GIVEN.get(call.func.id)
                if isinstance(at, int):
                    args = call.args[at : at + 1]
                else:
                    args = [k.value for k in call.keywords if k.arg == at]
                for arg in args:
                    for reason in _skeleton(arg, scope):
                        yield f"{path.relative_to(ROOT)}:{call.lineno}", reason


GIVEN_REASONS = sorted(set(_given()))
ALL_LATIN = re.compile(r"[A-Za-z]")


def _chinese(shown: str) -> bool:
    """No English in a text, apart from an id (a dispute's number) and a quoted term."""
    return not ALL_LATIN.search(re.sub(r"编号 \S+）|“[^”]*”|规则 [A-Z0-9-]+", "", shown))


def test_the_source_is_read() -> None:
    reasons = {r for _, r in GIVEN_REASONS}
    assert len(reasons) >= 30, reasons
    assert "contact point not verified" in reasons
    assert "cap of {} per {} per {}" in reasons


@pytest.mark.parametrize(("where", "reason"), GIVEN_REASONS, ids=[w for w, _ in GIVEN_REASONS])
def test_every_reason_the_gate_gives_has_its_chinese_text(where: str, reason: str) -> None:
    assert "{}" not in reason or reason in BUILT, f"{where}: add examples of {reason!r}"
    examples = BUILT.get(reason, [reason]) if "{}" in reason else [reason]
    for example in examples:
        shown = gate_part(example if ": " in example else f"X-1: {example}")
        assert shown, f"{where}: no Chinese for {example!r}"
        assert _chinese(shown), f"{where}: {shown!r} is not all Chinese"


def test_the_windows_and_caps_say_what_the_cn_pack_says() -> None:
    zh = Words("zh-CN")
    night = zh.gate_reason("CN-TIME-1: 23:10:05 is outside 08:00-22:00 in Asia/Shanghai")
    assert "22:00\N{EN DASH}08:00" in night
    assert "北京时间" in night
    assert "同意" in night
    assert "3 次电话" in zh.gate_reason("CN-FREQ-1: cap of 3 per calendar day per debtor")
    assert "24 小时" in zh.gate_reason("CN-FREQ-MSG: cap of 2 per rolling 86400s per debtor")
    assert "每笔债务连续 7 个自然日内最多 7 次" in zh.gate_reason(
        "US-FREQ-1: cap of 7 per 7 consecutive days per debt"
    )


def test_several_reasons_a_call_prefix_and_unknown_ones() -> None:
    zh = Words("zh-CN")
    both = (
        "CN-OPTOUT: the borrower opted out of sms; "
        "CN-FREQ-MSG: cap of 2 per rolling 86400s per debtor"
    )
    assert zh.gate_reason(both).startswith("借款人已退订短信")
    assert "24 小时" in zh.gate_reason(both)
    refused = (
        "DEFER for agent agent-7, purpose collection: "
        "CN-TIME-1: 23:10:05 is outside 08:00-22:00 in Asia/Shanghai"
    )
    assert zh.gate_reason(refused).startswith("当地时间 23:10:05")
    assert zh.gate_reason("CN-NEW-9: a reason the table has never seen") == "规则 CN-NEW-9"
    assert zh.gate_reason("CN-OPTOUT: the borrower opted out of fax") == "规则 CN-OPTOUT"
    assert zh.gate_reason("a provider's new words", ["PROVIDER-QUOTA"]) == "规则 PROVIDER-QUOTA"
    assert zh.contact_reason("call_made", "connected, 120s", ["CN-TIME-1"]) == "connected, 120s"
    assert Words("en").gate_reason(both) == both


def test_a_value_kept_english_by_the_vocabulary_is_not_shown() -> None:
    assert gate_part("CN-TIME-1: 23:10:05 is outside 08:00-22:00 in Europe/Nowhere") is None
    assert gate_part("CN-TP-1: role 'neighbour' may not be contacted about the debt") is None


def _night(**overrides: object) -> dict[str, object]:
    return {
        "now": "2026-03-09T23:30:00+08:00",
        "channel": "sms",
        "debtor": {"timezones": ["Asia/Shanghai"], "state": "reachable"},
        "recipient": {"role": "debtor", "provenance": "contract", "verified": True},
        "debt_id": "loan-1",
    } | overrides


SENT = {"at": "2026-03-09T10:00:00+08:00", "channel": "sms", "sender": "bank", "debt_id": "loan-1"}
#: Scenarios that make the engine give its reasons over the real packs (at night, so that the
#: time rules fire too).
SCENARIOS = [
    _night(),
    _night(channel="voice"),
    _night(opt_outs=["sms"], consents=[]),
    _night(recipient={"role": "other", "provenance": "scraped", "verified": False}),
    _night(
        debtor={"timezones": ["Asia/Shanghai"], "state": "lost_contact"},
        recipient={"role": "other", "provenance": "contract", "verified": True},
        text="请转告他：贷款已逾期，请尽快还款。",
    ),
    _night(history=[SENT | {"kind": "message_sent"}] * 2),
    _night(channel="voice", history=[SENT | {"kind": "call_connected", "channel": "voice"}] * 3),
    _night(channel="voice", history=[SENT | {"kind": "call_attempt", "channel": "voice"}] * 6),
    _night(channel="voice", history=[SENT | {"kind": "conversation", "channel": "voice"}]),
    _night(now="2026-02-16T12:00:00+08:00"),
    _night(
        now="2026-10-02T12:00:00+08:00",
        history=[SENT | {"at": "2026-10-02T09:00:00+08:00", "kind": "message_sent"}],
    ),
    _night(holds=[{"debt_id": "loan-1", "category": "dispute", "dispute_id": "dsp-1"}]),
    _night(text="公安已立案，老赖请转账到个人账户 6222020200112233445，" + "逾期" * 120),
    _night(text="示例银行提醒：法院诉讼", attested=False),
]


@pytest.mark.parametrize("pack", ["cn", "us"])
@pytest.mark.parametrize("index", range(len(SCENARIOS)))
def test_the_engine_over_the_packs_gives_only_reasons_the_table_knows(
    pack: str, index: int
) -> None:
    fields = dict(SCENARIOS[index])
    if pack == "us":  # the debtor in New York, whatever their state
        debtor = dict(fields["debtor"])  # type: ignore[call-overload]
        fields["debtor"] = debtor | {"timezones": ["America/New_York"]}
    scenario = Scenario.model_validate(fields)
    decision = evaluate([load_pack(pack)], scenario)
    assert decision.reasons
    for reason in decision.reasons:
        shown = gate_part(reason)
        assert shown, f"no Chinese for {reason!r}"
        assert _chinese(shown), shown


def test_the_scenarios_reach_the_time_caps_content_and_hold_rules_of_both_packs() -> None:
    rules = set()
    for pack in ("cn", "us"):
        for fields in SCENARIOS:
            rules.update(evaluate([load_pack(pack)], Scenario.model_validate(fields)).rules)
    expected = {"CN-TIME-1", "CN-CAL", "CN-FREQ-1", "CN-FREQ-2", "CN-FREQ-MSG", "CN-TP-1"}
    expected |= {"CN-CONTENT-BAN", "CN-PII", "CN-SMS-LEN", "CN-DISPUTE-HOLD", "US-FREQ-2"}
    assert expected <= rules
