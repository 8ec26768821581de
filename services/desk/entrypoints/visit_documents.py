"""The field agent's printable documents for a visit: the slot and place, the debt statement
and the proposed plan, the conduct rules to keep, and blanks for the outcome. Server-rendered
HTML with print CSS, zh-CN first (``?lang=en`` in English)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

import jinja2

from services.desk.domain import pages
from services.desk.domain.visits import Visit
from shared.visit_slot import PlaceLocale

TEMPLATES: Final = Path(__file__).resolve().parents[1] / "templates" / "print"

TEXTS: Final[dict[str, dict[str, Any]]] = {
    "zh-CN": {
        "title": "上门面谈材料",
        "print": "打印",
        "other_language": "English",
        "when": "时间",
        "where": "地点",
        "loan": "贷款编号",
        "state": "状态",
        "states": {
            "proposed": "已提议（通知尚未送达）",
            "confirmed": "已确认（通知已送达）",
            "undelivered": "通知未送达：不得上门",
            "cancelled": "已取消",
            "done": "已完成",
        },
        "statement": "欠款明细",
        "as_of": "截至",
        "principal": "本金",
        "interest": "利息",
        "fees": "费用",
        "penalties": "罚息",
        "paid": "已还",
        "total": "逾期应还合计",
        "dpd": "逾期天数",
        "plan": "拟议还款计划",
        "due": "还款日",
        "amount": "金额",
        "rules_title": "上门须知",
        "rules": (
            "出示工作证件，说明所代表的机构（自报家门）。",
            "仅在 08:00-22:00 之间上门（夜间禁止催收）。",
            "未经同意不得进入住宅或工作场所。",
            "全程录音或录像。",
            "不得向债务人以外的任何人透露欠款信息。",
            "只接受通过官方渠道还款，不得收取现金或向个人账户转账。",
        ),
        "outcome": "面谈结果",
        "outcomes": ("已面谈", "不在家", "拒绝", "其他"),
        "note": "备注",
        "agent": "外访人员工号",
        "signature": "签名",
    },
    "en": {
        "title": "Field visit documents",
        "print": "Print",
        "other_language": "中文",
        "when": "When",
        "where": "Where",
        "loan": "Loan",
        "state": "State",
        "states": {
            "proposed": "Proposed (notice not delivered yet)",
            "confirmed": "Confirmed (notice delivered)",
            "undelivered": "Notice not delivered: no visit",
            "cancelled": "Cancelled",
            "done": "Done",
        },
        "statement": "Debt statement",
        "as_of": "as of",
        "principal": "Principal",
        "interest": "Interest",
        "fees": "Fees",
        "penalties": "Penalties",
        "paid": "Paid",
        "total": "Total overdue",
        "dpd": "Days past due",
        "plan": "Proposed repayment plan",
        "due": "Due",
        "amount": "Amount",
        "rules_title": "Before you go",
        "rules": (
            "Show your staff card and say whom you represent.",
            "Visit only between 08:00 and 22:00 (no collection at night).",
            "Never enter a home or workplace without consent.",
            "Record the whole visit (audio or video).",
            "Tell no one but the borrower about the debt.",
            "Payment only through the bank's official channels: no cash, no personal accounts.",
        ),
        "outcome": "Outcome",
        "outcomes": ("Met", "Not at home", "Refused", "Other"),
        "note": "Note",
        "agent": "Field agent's id",
        "signature": "Signature",
    },
}
#: Where each rule comes from (the compliance reference's ids), in the order above.
RULE_SOURCES: Final = ("CN-ID-1", "CN-TIME-1", "CN-CHAN-2", "CN-REC-3", "CN-DISC-1", "CN-PAY-1")


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["money"] = pages.money
    return env


_ENV: Final = _environment()


def render(visit: Visit, lang: str) -> str:
    """The page for ``visit`` in ``lang`` (zh-CN unless "en")."""
    chosen: PlaceLocale = "en" if lang == "en" else "zh-CN"
    zone = ZoneInfo(visit.slot.time_zone)
    start, end = visit.slot.starts_at.astimezone(zone), visit.slot.ends_at.astimezone(zone)
    return _ENV.get_template("visit_documents.html").render(
        lang=chosen,
        other="zh-CN" if chosen == "en" else "en",
        t=TEXTS[chosen],
        visit=visit,
        statement=visit.statement,
        when=f"{start:%Y-%m-%d %H:%M}-{end:%H:%M} ({visit.slot.time_zone})",
        place=visit.slot.place.get(chosen) or visit.slot.place["zh-CN"],
    )
