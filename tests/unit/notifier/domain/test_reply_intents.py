"""How a reply is read: the bank's order, requests weighed against each other, negation within
its clause, acknowledgements told from replies a person must read, and what decided."""

from __future__ import annotations

from datetime import date

import pytest

from services.notifier.domain.policy.loading import load_pack
from services.notifier.domain.replies import understand
from services.notifier.domain.reply_intents import Reading, read, readable
from services.notifier.domain.reply_model import Model


def reading(text: str, model: Model | None = None) -> Reading:
    return read(readable(text), model)


#: A model that has learnt nothing: the cues alone.
SILENT = Model.learn([])


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # The first intents win over everything after them, in the bank's order.
        ("别再打电话了，我投诉你们", "stop_calling"),
        ("我要投诉，这笔钱不是我借的", "complaint"),
        ("我是他妻子，这笔账不对", "wrong_party"),
        ("金额不对，我明天还一部分", "dispute"),
        ("I never borrowed this, I will pay nothing", "dispute"),
    ],
)
def test_the_bank_order(text: str, intent: str) -> None:
    assert reading(text, SILENT).intent == intent


@pytest.mark.parametrize(
    ("text", "intent", "by"),
    [
        # A deed done outweighs the bare 了 of a promise, and a time ahead outweighs a bare 了.
        ("我周一还的", "already_paid", "already_paid.was_paid"),
        ("周五之前把八千块还了", "promise_to_pay", "promise_to_pay.when"),
        ("昨天已经还了", "already_paid", "already_paid.paid_before"),
        # A day named for paying is no visit to move; a day named for a visit is.
        ("能推到下个月还吗", "extension_request", "extension_request.more_time"),
        ("上门能推到下周吗", "reschedule", "reschedule.visit_moved"),
        # Asking to pay later is an extension, saying when one pays a promise.
        ("这个月实在拿不出来，下个月再还行吗", "extension_request", "extension_request.more_time"),
        ("下个月5号还一万", "promise_to_pay", "promise_to_pay.when"),
        ("Can I pay next week instead?", "extension_request", "extension_request.more_time"),
        ("I get paid on the 15th and will pay then", "promise_to_pay", "promise_to_pay.when"),
        ("Could I pay 200 a month until it's cleared?", "instalment_request", None),
    ],
)
def test_requests_weighed(text: str, intent: str, by: str | None) -> None:
    found = reading(text, SILENT)
    assert found.intent == intent
    assert by is None or found.by == by


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("我不需要分期，下周五一次还清", "promise_to_pay"),  # the negation stays in its clause
        ("不用分期", "other"),
        ("我不会还的", "other"),
        ("I won't pay", "other"),
        ("I haven't paid yet", "other"),
        ("i cant pay this month", "other"),  # texted without the apostrophe
        ("能不能分期", "instalment_request"),  # asked the A-not-A way: no negation
        ("有没有分期的方案", "instalment_request"),
    ],
)
def test_negation(text: str, intent: str) -> None:
    assert reading(text, SILENT).intent == intent


@pytest.mark.parametrize(
    "text", ["收到", "好的，谢谢", "嗯嗯", "OK thanks", "noted", "👍", "明白了"]
)
def test_an_acknowledgement(text: str) -> None:
    assert reading(text) == Reading("acknowledgement", "acknowledgement")


@pytest.mark.parametrize(
    "text", ["你好", "hello?", "\uff1f", "好的，那我怎么还", "ok but who is this"]
)
def test_what_is_more_than_an_acknowledgement_is_read_by_a_person(text: str) -> None:
    assert reading(text, SILENT) == Reading("other", "no cue")


def test_the_model_speaks_only_where_the_cues_are_silent() -> None:
    model = Model.learn(
        [("dispute", readable(t)) for t in ("利息太坑了", "利息坑人", "坑人的利息")]
    )
    assert reading("利息太坑", model) == Reading("dispute", "model")
    # A cue decides before the model is asked.
    assert reading("明天还", model).by == "promise_to_pay.when"


def test_a_question_asking_for_information_is_for_a_person_not_the_models_guess() -> None:
    model = Model.learn(
        [("dispute", readable(t)) for t in ("利息太坑了", "利息坑人", "坑人的利息")]
    )
    assert reading("利息太坑", model).intent == "dispute"
    assert reading("利息怎么这么坑", model).by != "model"  # 怎么: asked, not said
    assert reading("请问利息坑吗", model) == Reading("other", "no cue")


def test_the_model_never_decides_what_changes_things_without_a_person() -> None:
    words = ("以后都别联系我", "别联系我了", "不要联系我")
    model = Model.learn([("stop_calling", readable(t)) for t in words])
    assert model.probabilities(readable("别联系我"))["stop_calling"] > 0.99
    assert reading("别联系我", model) == Reading("other", "no cue")


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("I CANNOT pay", "i can't pay"),
        ("i dont know", "i don't know"),
        ("Im not him", "i'm not him"),
        ("\uff54\uff48\uff41\uff4e\uff4b\uff53", "thanks"),
        ("能不能   宽限", "能 宽限"),
        ("I\u2019ll pay", "i'll pay"),
    ],
)
def test_readable(text: str, plain: str) -> None:
    assert readable(text) == plain


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("退订\uff01天天发烦死了", "opt_out"),  # the keyword as a clause of its own
        ("STOP. I already paid.", "opt_out"),
        ("别再给我发短信了", "opt_out"),  # asked in words, not by the keyword
        ("请把我从你们的名单里删掉", "opt_out"),
        ("please remove me from your mailing list", "opt_out"),
        ("我要退订你们的消息", "opt_out"),
        ("我不想退订你们的消息", "other"),
        ("退订会影响征信吗", "other"),  # a sentence that merely holds the keyword
        ("Please stop calling me", "stop_calling"),  # "stop" about calls is no opt-out
    ],
)
def test_opt_outs_in_a_sentence(text: str, intent: str) -> None:
    assert understand(text, "sms", [load_pack("cn")], date(2026, 12, 2)).intent == intent
