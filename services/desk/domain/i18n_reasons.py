"""Refusals' reasons in Chinese: the desk's use cases give their reasons in English (the JSON
API's and the logs' language); a zh-CN console page shows each one in Chinese, read through
this table. A reason the table does not know is not shown on a zh-CN page (the status's own
sentence is), never in English: a unit test holds every reason the desk raises to a rule here.

A rule is a pattern over the English reason and its Chinese text; the pattern's named groups
are values of a catalogue vocabulary (translated in the text) or kept as they are (``n``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Final


@dataclass(frozen=True)
class Rule:
    pattern: re.Pattern[str]
    text: str
    #: A named group's vocabulary (its value translated), or none (shown as it is).
    vocabularies: Mapping[str, str] = field(default_factory=dict)


def _rule(pattern: str, text: str, **vocabularies: str) -> Rule:
    return Rule(re.compile(pattern), text, vocabularies)


_STALE = "该记录在您打开之后已被更改，请刷新页面后重试。"
_SIGN_IN_AGAIN = "，请重新登录。"
RULES: Final[tuple[Rule, ...]] = (
    _rule(r"no such task", "未找到该任务。"),
    _rule(r"no such loan", "未找到该贷款。"),
    _rule(r"no such borrower", "未找到该借款人。"),
    _rule(r"no such visit", "未找到该上门安排。"),
    _rule(r"no such review item|no such item", "未找到该复核事项。"),
    _rule(r"no such queue", "未找到该队列。"),
    _rule(r"no such team", "未找到该团队。"),
    _rule(r"the task is assigned to another agent", "该任务已分配给其他催收员。"),
    _rule(r"the task is held by another agent", "该任务由其他催收员处理中。"),
    _rule(r"the task is (?P<state>\w+)", "该任务已是“{state}”状态。", state="status"),
    _rule(
        r"only a task in progress can be done; this one is (?P<state>\w+)",
        "只有处理中的任务才能完成；该任务目前为“{state}”。",
        state="status",
    ),
    _rule(r"no such dispute", "未找到该异议或投诉。"),
    _rule(r"the borrower's cases belong to another team", "该借款人的案件属于其他团队。"),
    _rule(r"the case belongs to another team", "该案件属于其他团队。"),
    _rule(r"the task belongs to another team", "该任务属于其他团队。"),
    _rule(r"an agent sees only their own team's queue", "催收员只能查看本团队的队列。"),
    _rule(
        r"the reports are for compliance officers and supervisors", "报表仅供合规专员和主管查看。"
    ),
    _rule(r"only a supervisor moves a task to another team", "只有主管可以把任务转给其他团队。"),
    _rule(r"only a supervisor assigns a task to someone else", "只有主管可以把任务分配给他人。"),
    _rule(
        r"only a supervisor or a compliance officer keeps the dispute register",
        "只有主管或合规专员可以查看和处理异议登记簿。",
    ),
    _rule(
        r"only compliance officers decide the (?P<queue>\w+) queue",
        "只有合规专员可以决定“{queue}”队列。",
        queue="review_queue",
    ),
    _rule(
        r"only the review team decide the (?P<queue>\w+) queue",
        "只有复核团队可以决定“{queue}”队列。",
        queue="review_queue",
    ),
    _rule(r"the item is (?P<state>\w+) already", "该事项已是“{state}”状态。", state="review_state"),
    _rule(
        r"(?P<verdict>\w+) is not a decision on the (?P<queue>\w+) queue",
        "“{verdict}”不是“{queue}”队列可作的决定。",
        verdict="verdict",
        queue="review_queue",
    ),
    _rule(r"an approval needs the attestation the person affirms", "批准发送须填写批准声明。"),
    _rule(r"the loan is written off", "该贷款已核销。"),
    _rule(r"the loan is closed", "该贷款已结清。"),
    _rule(
        r"a promise needs promised_amount and promised_by", "还款承诺须填写承诺金额和承诺还款日期。"
    ),
    _rule(r"a promise is for an amount above zero", "承诺金额须大于零。"),
    _rule(r"a date asked for is already past", "所填日期已经过去。"),
    _rule(r"an agreement needs requested_until.*", "达成的约定须填写暂缓催收至哪一天。"),
    _rule(r"the dispute is resolved already", "该异议或投诉已处理。"),
    _rule(
        r"only a confirmed visit has an outcome; this one is (?P<state>\w+)",
        "只有已确认（通知已送达）的上门才能记录结果；该上门目前为“{state}”。",
        state="visit_state",
    ),
    _rule(r"the visit has no outcome yet", "该上门尚无结果。"),
    _rule(
        r"the visit is (?P<state>\w+)", "该上门已是“{state}”状态，不能改约。", state="visit_state"
    ),
    _rule(r"the period ends before it starts", "结束日期早于开始日期。"),
    _rule(r"a report covers at most (?P<n>\d+) days", "一份报表最多覆盖 {n} 天。"),
    _rule(r"from and to must be dates \(YYYY-MM-DD\)", "开始和结束日期须为日期（YYYY-MM-DD）。"),
    _rule(r"the form was posted from another site", "表单来自其他网站，已拒绝（CSRF 防护）。"),
    _rule(r"the form carries no CSRF token", "表单缺少防伪令牌（CSRF），请刷新页面后重试。"),
    _rule(r"the form's CSRF token is not this session's", "表单的防伪令牌（CSRF）不属于当前会话。"),
    _rule(r"the call's ticket is for another loan or person", "该通话凭证属于其他贷款或其他人员。"),
    _rule(r"no pre-call gate is configured", "未配置通话前合规闸门。"),
    _rule(r"the pre-call gate is unreachable: \w+", "无法连接通话前合规闸门。"),
    _rule(r"the pre-call gate answered \d+", "通话前合规闸门暂时不可用。"),
    _rule(r"changed since it was read|written meanwhile by another writer", _STALE),
    _rule(r"the dispute changed since it was read", _STALE),
    _rule(r"desk database unavailable: \w+", "工作台数据库暂时不可用，请稍后重试。"),
    _rule(r"not signed in", "尚未登录。"),
    _rule(r"the session has expired", "会话已过期" + _SIGN_IN_AGAIN),
    _rule(r"the session cookie does not verify", "会话无法验证" + _SIGN_IN_AGAIN),
    _rule(r"the session cookie is malformed", "会话格式有误" + _SIGN_IN_AGAIN),
    _rule(r"no sign-in is under way", "没有进行中的登录" + _SIGN_IN_AGAIN),
    _rule(r"the sign-in cookie is malformed", "登录状态有误" + _SIGN_IN_AGAIN),
    _rule(r"the sign-in state does not match", "登录状态不匹配" + _SIGN_IN_AGAIN),
    _rule(r"the sign-in took too long", "登录超时" + _SIGN_IN_AGAIN),
    _rule(r"no identity provider is configured", "未配置身份认证服务，无法登录。"),
    _rule(r"the identity provider refused: .*", "身份认证服务拒绝了本次登录。"),
    _rule(r"the identity provider refused the code: .*", "身份认证服务拒绝了授权码。"),
    _rule(r"the identity provider gave no ID token", "身份认证服务没有返回身份令牌。"),
    _rule(r"the identity provider answered \d+", "身份认证服务暂时不可用，请稍后重试。"),
    _rule(r"identity provider unreachable: \w+", "无法连接身份认证服务，请稍后重试。"),
    _rule(
        r"the (ID )?token's signing key is not the identity provider's",
        "身份令牌的签名密钥不属于银行身份认证服务。",
    ),
    _rule(r"the ID token's nonce is not this sign-in's", "身份令牌与本次登录不符。"),
    _rule(r"the token carries no desk role", "您的账号没有工作台角色。"),
    _rule(r"an agent's token must name their team", "催收员账号须注明所属团队。"),
    _rule(r"a bearer token is required|unknown token", "需要有效的身份令牌。"),
    _rule(r"malformed Authorization header|malformed token: \w+", "身份令牌格式有误。"),
    _rule(r"the signing key's algorithm is not allowed", "身份令牌的签名算法不被接受。"),
    _rule(r"the token has expired", "身份令牌已过期" + _SIGN_IN_AGAIN),
    _rule(r"invalid token: \w+", "身份令牌无效。"),
    _rule(r"the token's subject is not a person id", "身份令牌没有标明个人身份。"),
)
#: The form's fields a validation reason names (``invalid: a, b``).
_INVALID: Final = re.compile(r"invalid: (?P<fields>[\w.]+(, [\w.]+)*)")


def chinese_reason(reason: str, word: Callable[[str, str], str]) -> str | None:
    """The reason in Chinese (``word(vocabulary, value)`` translates a vocabulary's value), or
    None when no rule knows it."""
    named = _INVALID.fullmatch(reason)
    if named is not None:
        fields = [word("form_field", f.split(".")[0]) for f in named["fields"].split(", ")]
        return "表单有误，请检查：" + "、".join(dict.fromkeys(fields)) + "。"
    for rule in RULES:
        found = rule.pattern.fullmatch(reason)
        if found is None:
            continue
        values = {
            name: word(rule.vocabularies[name], value) if name in rule.vocabularies else value
            for name, value in found.groupdict().items()
            if value is not None
        }
        return rule.text.format(**values)
    return None
