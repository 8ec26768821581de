"""The values the compliance gate's reasons carry (channels, roles, scopes, content elements,
time zones, ...) in Chinese, for ``i18n_gate``'s rules. A value not here makes its reason
unknown to the table: a zh-CN page then names the rule alone, never the English value."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

GATE_WORDS: Final[Mapping[str, Mapping[str, str]]] = {
    "gate_channel": {"sms": "短信", "email": "电子邮件", "wechat": "微信", "voice": "电话"},
    "gate_role": {
        "debtor": "借款人本人",
        "guarantor": "担保人",
        "authorised_agent": "借款人授权的代理人",
        "other": "第三方",
    },
    "gate_hold": {"dispute": "异议", "complaint": "投诉"},
    "gate_scope": {"debtor": "每位借款人", "debt": "每笔债务", "contact_point": "同一联系方式"},
    "gate_trigger": {
        "conversation": "与借款人就该债务通话",
        "call_connected": "电话接通",
        "call_attempt": "拨打电话",
        "message_sent": "发送消息",
    },
    "gate_coverage": {"provisional": "暂定", "missing": "缺失"},
    "gate_held": {"no data": "尚无数据", "provisional data": "只有暂定数据"},
    "gate_element": {
        "institution": "银行名称",
        "masked_account": "账号尾号",
        "amount_due": "应还金额",
        "overdue_days_or_due_date": "逾期天数或到期日",
        "repayment_method": "官方还款渠道",
        "deadline": "还款截止日期",
        "complaint_channel": "投诉渠道",
        "privacy_notice": "隐私提示",
        "official_verification": "官方核实方式",
        "verification_code": "验证码",
        "opt_out_instructions": "退订方式",
    },
    "gate_banned": {
        "impersonation": "冒充公检法等机关",
        "threats": "威胁恐吓",
        "insults": "侮辱性言语",
        "false_consequences": "虚构后果",
        "fees": "违规收费",
        "marketing": "营销推广",
        "personal_repayment": "要求还款到个人账户",
    },
    "gate_pii": {
        "account_or_card_number": "完整账号或卡号",
        "identity_number": "身份证号码",
        "mobile_number": "手机号码",
        "social_security_number": "社会保障号",
    },
    "gate_zone": {
        "Asia/Shanghai": "北京时间",
        "Asia/Chongqing": "北京时间",
        "Asia/Urumqi": "乌鲁木齐时间",
        "Asia/Hong_Kong": "香港时间",
        "Asia/Macau": "澳门时间",
        "Asia/Taipei": "台北时间",
        "America/New_York": "美国东部时间",
        "America/Chicago": "美国中部时间",
        "America/Denver": "美国山地时间",
        "America/Phoenix": "美国亚利桑那时间",
        "America/Los_Angeles": "美国太平洋时间",
        "America/Anchorage": "阿拉斯加时间",
        "Pacific/Honolulu": "夏威夷时间",
    },
}
