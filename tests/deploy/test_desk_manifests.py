"""The desk's manifests agree with its code: the Kafka user may read exactly what the desk
consumes and write exactly those topics' dead letters and the agents' commands, and it reads
the shared calendars."""

from __future__ import annotations

from typing import Any

import pytest

from services.desk.bootstrap import SERVICE
from services.desk.entrypoints.consumer import consumer_config
from services.desk.settings import Settings
from shared.topics import Topics, dead_letter
from tests.deploy.manifests import DEPLOY, render


@pytest.fixture(scope="module")
def base() -> list[dict[str, Any]]:
    return render(DEPLOY / "base")


def acls(docs: list[dict[str, Any]], operation: str, kind: str = "topic") -> set[str]:
    [user] = [
        d for d in docs if d["kind"] == "KafkaUser" and d["metadata"]["name"] == "dunwell-desk"
    ]
    return {
        acl["resource"]["name"]
        for acl in user["spec"]["authorization"]["acls"]
        if acl["resource"]["type"] == kind and operation in acl["operations"]
    }


def test_the_desk_user_reads_what_the_desk_consumes_and_writes_only_what_it_sends(
    base: list[dict[str, Any]],
) -> None:
    consumed = set(consumer_config(SERVICE, Settings().group_id, Topics()).topics)
    assert acls(base, "Read") == consumed
    # agents' actions, to the scheduler; review decisions, to the notifier; visit outcomes, to
    # the evidence log on the tasks topic
    sends = {Topics().case_actions, Topics().review_decisions, Topics().tasks}
    assert acls(base, "Write") == {dead_letter(t) for t in consumed} | sends
    assert acls(base, "Read", "group") == {Settings().group_id}


def test_the_desk_runs_on_the_shared_calendar_and_its_own_database(
    base: list[dict[str, Any]],
) -> None:
    [desk] = [d for d in base if d["kind"] == "Deployment" and d["metadata"]["name"] == "desk"]
    pod = desk["spec"]["template"]["spec"]
    [container] = pod["containers"]
    env = {e["name"]: e for e in container["env"]}
    mount = next(m for m in container["volumeMounts"] if m["name"] == "calendars")
    assert env["DUNWELL_DESK_CALENDAR_FILE"]["value"].startswith(mount["mountPath"])
    volume = next(v for v in pod["volumes"] if v["name"] == "calendars")
    assert volume["configMap"]["name"].startswith("dunwell-calendars")
    secret = env["DUNWELL_DESK_DATABASE_URL"]["valueFrom"]["secretKeyRef"]
    assert secret["name"] == "desk-database"
