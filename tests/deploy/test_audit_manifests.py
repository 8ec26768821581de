"""The audit service's Kafka user agrees with its code: it may read exactly what the log keeps
(every Dunwell topic and every dead-letter topic) and write only the dead letters of the topics
it takes events from."""

from __future__ import annotations

from typing import Any

from services.audit.entrypoints.consumer import audited_topics
from services.audit.settings import Settings
from shared.topics import DLQ_SUFFIX, Topics, dead_letter
from tests.deploy.manifests import DEPLOY, render


def acls(docs: list[dict[str, Any]], operation: str, kind: str = "topic") -> set[str]:
    [user] = [
        d for d in docs if d["kind"] == "KafkaUser" and d["metadata"]["name"] == "dunwell-audit"
    ]
    return {
        acl["resource"]["name"]
        for acl in user["spec"]["authorization"]["acls"]
        if acl["resource"]["type"] == kind and operation in acl["operations"]
    }


def test_the_audit_user_reads_what_the_log_keeps_and_writes_only_its_dead_letters() -> None:
    base = render(DEPLOY / "base")
    read = set(audited_topics(Topics()))
    assert acls(base, "Read") == read
    events = {t for t in read if not t.endswith(DLQ_SUFFIX)}
    assert acls(base, "Write") == {dead_letter(t) for t in events}
    assert acls(base, "Read", "group") == {Settings().group_id}
