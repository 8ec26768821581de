"""``dunwell replies classify``: one reply per line in, one JSON per line out."""

from __future__ import annotations

import json

from click.testing import CliRunner

from services.cli import main

#: The replies issue 16 found understood as "other" (or, the last, as an instalment request).
REPLIES = "".join(
    f"{reply}\n"
    for reply in (
        *("改约", "我要投诉", "我下周五还5000元", "我已经还了"),
        *("请不要再打电话", "我是他妻子", "我不同意这个还款计划"),
    )
)


def classify(text: str, *args: str) -> list[dict[str, object]]:
    result = CliRunner().invoke(main, ["replies", "classify", *args], input=text)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines()]


def test_the_issues_replies_each_understood() -> None:
    out = classify(REPLIES, "--pack", "cn", "--now", "2026-12-02T10:00:00+08:00")
    assert [o["intent"] for o in out] == [
        "reschedule",
        "complaint",
        "promise_to_pay",
        "already_paid",
        "stop_calling",
        "wrong_party",
        "dispute",
    ]
    assert out[2] == {
        "intent": "promise_to_pay",
        "promise_amount": 5000,
        "promise_date": "2026-12-11",
    }
    assert out[0] == {"intent": "reschedule", "promise_amount": None, "promise_date": None}


def test_relative_dates_are_read_in_the_packs_time_zone() -> None:
    # 23:30 UTC on Thursday is already Friday in Shanghai: "tomorrow" is Saturday.
    [out] = classify("明天还\n", "--now", "2026-12-03T23:30:00+00:00")
    assert out["promise_date"] == "2026-12-05"


def test_an_english_opt_out_under_the_us_pack() -> None:
    assert classify("STOP\n", "--pack", "us") == [
        {"intent": "opt_out", "promise_amount": None, "promise_date": None}
    ]


def test_an_unknown_pack_is_refused() -> None:
    result = CliRunner().invoke(main, ["replies", "classify", "--pack", "nope"], input="TD\n")
    assert result.exit_code == 2


def test_explain_names_what_decided() -> None:
    out = classify(
        "明天还\n收到\n你们几点下班\n", "--explain", "--now", "2026-12-02T10:00:00+08:00"
    )
    assert [(o["intent"], o["by"]) for o in out] == [
        ("promise_to_pay", "promise_to_pay.when"),
        ("acknowledgement", "acknowledgement"),
        ("other", "no cue"),
    ]
