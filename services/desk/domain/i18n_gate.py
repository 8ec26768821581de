"""The compliance gate's reasons in Chinese: the notifier's policy engine and pre-call gate give
their reasons in English (``RULE-ID: reason``, several joined by ``; ``), and the desk shows
them on a call page and in a case's contact log. A zh-CN page shows each through this table,
with ``i18n_reasons``' rules (a pattern over the English reason, its named groups translated
through a vocabulary, here ``i18n_gate_words``). A reason the table does not know is shown as
its rule alone (``规则 CN-TIME-1``), never in English: a unit test holds every reason the
gate can give to a rule here.

Each text says what the rule in the pack says (services/notifier/config/packs/*.yaml, the rule's
note), in the words a collector uses; times in 24h.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

from services.desk.domain.i18n_gate_words import GATE_WORDS
from services.desk.domain.i18n_reasons import Rule

#: The contact kinds whose reason is the gate's (a send it stopped, a dial it refused).
GATED_KINDS: Final = frozenset({"send_deferred", "send_blocked", "send_escalated", "call_refused"})


def _rule(pattern: str, text: str, rule_id: str | None = None, **vocabularies: str) -> Rule:
    """A rule over one reason; with ``rule_id``, only over that rule's (a pack's own words)."""
    prefix = rf"{re.escape(rule_id)}: " if rule_id else r"(?:[A-Z][A-Z0-9-]+: )?"
    return Rule(re.compile(prefix + pattern), text, vocabularies)


_UNTIL_RESOLVED = "银行处理完毕前暂停对该笔债务的一切催收联系。"
_CAP = "联系次数已达上限："
_OUTSIDE = (
    r"(?P<now>\d\d:\d\d:\d\d) is outside (?P<start>\d\d:\d\d)-(?P<end>\d\d:\d\d) in (?P<zone>\S+)"
)
RULES: Final[tuple[Rule, ...]] = (
    _rule(r"no policy pack loaded", "未加载合规规则包，一律不发送、不拨打。"),
    _rule(
        r"no permitted time within (?P<n>\d+) days",
        "{n} 天内找不到允许联系的时间，已禁止，请人工处理。",
    ),
    _rule(r"the pack is not in force today", "合规规则包今天不在有效期内，不得联系。"),
    _rule(
        r"the debt is under (?P<hold>\w+) (?P<id>\S+), held until it is resolved",
        "该笔债务有未处理的{hold}（编号 {id}），" + _UNTIL_RESOLVED,
        hold="gate_hold",
    ),
    _rule(
        r"contact point obtained by '(?P<provenance>[^']*)'",
        "该联系方式的来源不在允许范围内（须为合同约定、借款人提供或授权等合规来源），不得使用。",
    ),
    _rule(r"contact point not verified", "该联系方式未经核实属于本人，不得使用。"),
    _rule(
        r"role '(?P<role>\w+)' may only help re-establish contact",
        "对方是{role}：只能在借款人失联时请其协助恢复联系，不得透露任何债务信息，须人工复核。",
        role="gate_role",
    ),
    _rule(
        r"role '(?P<role>\w+)' may not be contacted about the debt",
        "不得就该笔债务联系{role}（只能联系借款人本人、担保人或借款人授权的代理人）。",
        role="gate_role",
    ),
    _rule(
        r"the borrower opted out of (?P<channel>\w+)",
        "借款人已退订{channel}，不再通过该渠道联系（其他渠道仍可联系）。",
        channel="gate_channel",
    ),
    _rule(
        r"(?P<channel>\w+) needs prior express consent",
        "通过{channel}联系须事先取得借款人的明确同意，目前没有有效的同意。",
        channel="gate_channel",
    ),
    _rule(
        _OUTSIDE,
        "当地时间 {now}（{zone}）：{end}\N{EN DASH}{start} 未经借款人同意不得联系，"
        "只能在 {start}\N{EN DASH}{end} 联系。",
        "CN-TIME-1",
        zone="gate_zone",
    ),
    _rule(
        _OUTSIDE,
        "当地时间 {now}（{zone}）不在允许联系的时段 {start}\N{EN DASH}{end} 内，"
        "{end}\N{EN DASH}{start} 不得联系。",
        zone="gate_zone",
    ),
    _rule(
        r"(?P<day>\d{4}-\d\d-\d\d) is a no-contact day",
        "{day} 是不联系日（如除夕、春节初一），当天不发消息、不打电话。",
    ),
    _rule(
        r"(?P<day>\d{4}-\d\d-\d\d) is a holiday: (?P<n>\d+) message\(s\) a day",
        "{day} 是节假日：每天最多发送 {n} 条消息，今天已达上限。",
    ),
    _rule(
        r"(?P<day>\d{4}-\d\d-\d\d) is not known for certain \((?P<coverage>\w+) calendar\): "
        r"(?P<n>\d+) message\(s\) a day",
        "{day} 的节假日安排尚未确定（日历数据{coverage}），按节假日处理：每天最多发送 {n} 条消息，"
        "今天已达上限。",
        coverage="gate_coverage",
    ),
    _rule(
        r"the \w+ calendar has (?P<held>no data|provisional data) for (?P<year>\d{4}): "
        r"holiday policy and statutory no-contact days applied",
        "{year} 年的节假日日历{held}：按节假日规则处理（节假日限发条数、法定不联系日）。",
        held="gate_held",
    ),
    _rule(
        r"cap of (?P<n>\d+) per calendar day per debtor",
        "每位借款人每天最多接通 {n} 次电话（银行和委外机构合计），今天已达上限。",
        "CN-FREQ-1",
    ),
    _rule(
        r"cap of (?P<n>\d+) per calendar day per contact_point",
        "同一号码每天最多拨打 {n} 次（每次拨打都计入），今天已达上限。",
        "CN-FREQ-2",
    ),
    _rule(
        r"cap of (?P<n>\d+) per rolling 86400s per debtor",
        "每位借款人任意连续 24 小时内最多发送 {n} 条短信或微信消息，已达上限。",
        "CN-FREQ-MSG",
    ),
    _rule(
        r"cap of (?P<n>\d+) per (?P<days>\d+) consecutive days per debtor",
        "每位借款人连续 {days} 个自然日内最多联系 {n} 次（所有渠道、所有机构合计），已达上限。",
        "CN-FREQ-ALL",
    ),
    _rule(
        r"cap of (?P<n>\d+) per calendar day per (?P<scope>\w+)",
        _CAP + "{scope}每天最多 {n} 次。",
        scope="gate_scope",
    ),
    _rule(
        r"cap of (?P<n>\d+) per rolling 86400s per (?P<scope>\w+)",
        _CAP + "{scope}任意连续 24 小时内最多 {n} 次。",
        scope="gate_scope",
    ),
    _rule(
        r"cap of (?P<n>\d+) per rolling (?P<s>\d+)s per (?P<scope>\w+)",
        _CAP + "{scope}任意连续 {s} 秒内最多 {n} 次。",
        scope="gate_scope",
    ),
    _rule(
        r"cap of (?P<n>\d+) per (?P<days>\d+) consecutive days per (?P<scope>\w+)",
        _CAP + "{scope}连续 {days} 个自然日内最多 {n} 次。",
        scope="gate_scope",
    ),
    _rule(
        r"(?P<days>\d+) days without (?P<channel>\w+) after a (?P<trigger>\w+)",
        "{trigger}后 {days} 天内（当天算第 1 天）不得再通过{channel}联系。",
        channel="gate_channel",
        trigger="gate_trigger",
    ),
    _rule(r"unmasked (?P<name>\w+)", "消息含未脱敏的{name}，不得发送。", name="gate_pii"),
    _rule(
        r"(?P<segments>\d+) SMS segments, at most (?P<max>\d+)",
        "短信长度为 {segments} 段，最多 {max} 段。",
    ),
    _rule(
        r"debt facts in a message to a third party",
        "发给第三方的消息提到了债务信息（如逾期、欠款、还款），不得发送。",
    ),
    _rule(
        r"required element missing: (?P<name>\w+)",
        "消息缺少必备内容：{name}。",
        name="gate_element",
    ),
    _rule(
        r"(?P<name>\w+) does not match the debt",
        "消息中的{name}与该笔债务不符。",
        name="gate_element",
    ),
    _rule(
        r"banned (?P<category>\w+): '(?P<term>[^']*)'",
        "消息含禁用内容（{category}）：“{term}”。",
        category="gate_banned",
    ),
    _rule(
        r"legal reference '(?P<term>[^']*)' unattested",
        "消息提到法律程序“{term}”，须经法务部门确认属实才能发送，已转人工复核。",
    ),
    _rule(r"banned (?P<category>\w+)", "消息含禁用内容（{category}）。", category="gate_banned"),
    _rule(
        r"the debtor's contact details are not known yet",
        "尚未收到借款人的联系资料，稍后再判断能否拨打。",
        "CALL-DIRECTORY",
    ),
    _rule(
        r"the number is not the debtor's contact point in the directory",
        "该号码不是借款人在通讯录中登记的联系方式，不得拨打。",
        "CALL-NUMBER",
    ),
    _rule(r"[\w.-]+: same number again too soon", "服务商限制对同一号码的发送间隔，稍后自动重发。"),
    _rule(r"wechat: daily quota reached \(45009\)", "微信今天的发送配额已用完，次日自动重发。"),
    _rule(
        r"wechat: too frequent for this user \(43117\)",
        "微信限制对该用户发送过于频繁，一小时后自动重发。",
    ),
)
#: A refused dial's reason starts with who asked and why (``call_refused``).
_CALL: Final = re.compile(
    r"(?:DEFER|BLOCK|ESCALATE) for agent \S+, purpose \w+: (?P<rest>.*)", re.S
)
_RULE_ID: Final = re.compile(r"(?P<id>[A-Z][A-Z0-9-]+): ")
_APPROVED: Final = re.compile(r"(?P<id>[A-Z][A-Z0-9-]+: )?escalation approved: (?P<inner>.*)")


def gate_part(part: str) -> str | None:
    """One reason (``RULE-ID: reason``) in Chinese, or None when no rule knows it (or one of
    its values)."""
    approved = _APPROVED.fullmatch(part)
    if approved is not None:
        inner = gate_part((approved["id"] or "") + approved["inner"])
        return None if inner is None else "已人工批准：" + inner
    for rule in RULES:
        found = rule.pattern.fullmatch(part)
        if found is None:
            continue
        values = {}
        for name, value in found.groupdict().items():
            vocabulary = rule.vocabularies.get(name)
            if vocabulary is None:
                values[name] = value
                continue
            shown = GATE_WORDS[vocabulary].get(value)
            if shown is None:  # a value the vocabulary does not know: never shown in English
                return None
            values[name] = shown
        return rule.text.format(**values)
    return None


def chinese_gate_reason(reason: str, rules: Iterable[str] = ()) -> str:
    """The gate's reasons (joined by ``; ``) in Chinese; each one no rule knows as its rule
    (``规则 CN-TIME-1``), or the contact's rules when the reason names none."""
    called = _CALL.fullmatch(reason)
    parts = [p.strip() for p in (called["rest"] if called else reason).split("; ") if p.strip()]
    shown: list[str] = []
    for part in parts:
        chinese = gate_part(part)
        if chinese is None:
            named = _RULE_ID.match(part)
            ids = [named["id"]] if named else list(rules)
            chinese = "规则 " + "、".join(ids) if ids else None
        if chinese:
            shown.append(chinese)
    return " ".join(dict.fromkeys(shown))
