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


def _rule_lets(rules: list[dict[str, Any]], side: str, peer: str, port: int) -> bool:
    """Whether ``rules`` (a policy's egress or ingress) let ``port`` through to or from the pods
    named ``peer``: a rule with no peers named lets any."""
    for rule in rules:
        peers = rule.get(side)
        named = peers is None or any(
            p.get("podSelector", {}).get("matchLabels", {}).get("app.kubernetes.io/name") == peer
            for p in peers
        )
        ports = {p["port"] for p in rule.get("ports", [])}
        if named and (not ports or port in ports):
            return True
    return False


def _selected(policy: dict[str, Any], name: str) -> bool:
    selector = policy["spec"]["podSelector"]
    if not selector:
        return True
    if selector.get("matchLabels", {}).get("app.kubernetes.io/name") == name:
        return True
    return any(name in e["values"] for e in selector.get("matchExpressions", []))


@pytest.mark.parametrize(
    ("caller", "env", "callee"),
    [
        ("desk", "DUNWELL_DESK_AUDIT_URL", "audit"),
        ("audit", "DUNWELL_AUDIT_DESK_JWKS_URL", "desk"),
    ],
)
def test_the_desk_and_the_evidence_log_may_reach_each_other_where_they_are_told_to(
    caller: str, env: str, callee: str
) -> None:
    """Case evidence: the desk reads the audit service's timeline under a grant, and the audit
    service fetches the desk's grant keys; under deny-all, both directions must be let through."""
    docs = render(DEPLOY / "overlays" / "prod")
    [workload] = [
        d
        for d in docs
        if d["kind"] in ("Deployment", "StatefulSet") and d["metadata"]["name"] == caller
    ]
    [container] = workload["spec"]["template"]["spec"]["containers"]
    url = next(e["value"] for e in container["env"] if e["name"] == env)
    host, port = url.split("//")[1].split("/")[0].split(":")
    assert host == callee
    service_port = int(port)
    [service] = [d for d in docs if d["kind"] == "Service" and d["metadata"]["name"] == callee]
    target = next(p for p in service["spec"]["ports"] if p["port"] == service_port)
    assert target["targetPort"] == "http"
    policies = [d for d in docs if d["kind"] == "NetworkPolicy"]
    out = [p for p in policies if _selected(p, caller) and "Egress" in p["spec"]["policyTypes"]]
    into = [p for p in policies if _selected(p, callee) and "Ingress" in p["spec"]["policyTypes"]]
    assert any(_rule_lets(p["spec"].get("egress", []), "to", callee, 8080) for p in out)
    assert any(_rule_lets(p["spec"].get("ingress", []), "from", caller, 8080) for p in into)
