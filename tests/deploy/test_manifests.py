"""Every overlay renders, validates against Kubernetes' schemas and keeps Dunwell's policies."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from tests.deploy.manifests import DEPLOY, KUBERNETES, OVERLAYS, render

CORE_GROUPS = ("v1", "apps/v1", "policy/v1", "networking.k8s.io/v1")


def workloads(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [d for d in docs if d["kind"] in ("Deployment", "StatefulSet")]


def containers(workload: dict[str, Any]) -> list[dict[str, Any]]:
    return list(workload["spec"]["template"]["spec"]["containers"])


@pytest.fixture(scope="module", params=OVERLAYS)
def rendered(request: pytest.FixtureRequest) -> list[dict[str, Any]]:
    return render(DEPLOY / "overlays" / request.param)


def test_every_core_object_validates_strictly(rendered: list[dict[str, Any]]) -> None:
    core = [d for d in rendered if d["apiVersion"] in CORE_GROUPS]
    assert len(core) > 10
    for doc in core:
        kubernetes_validate.validate(doc, KUBERNETES, strict=True)


def test_a_misspelt_field_is_caught() -> None:
    deployment = next(d for d in render(DEPLOY / "overlays" / "prod") if d["kind"] == "Deployment")
    broken = copy.deepcopy(deployment)
    broken["spec"]["strategy"]["rollingUpdate"]["maxUnavailabl"] = 0
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES, strict=True)


def test_containers_are_locked_down_probed_and_bounded(rendered: list[dict[str, Any]]) -> None:
    for workload in workloads(rendered):
        pod = workload["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        assert pod["automountServiceAccountToken"] is False
        # Longer than the services' 20 s shutdown grace: faust and the consume loop commit first.
        assert pod["terminationGracePeriodSeconds"] > 20
        for container in containers(workload):
            context = container["securityContext"]
            assert context["readOnlyRootFilesystem"] is True
            assert context["allowPrivilegeEscalation"] is False
            assert context["capabilities"]["drop"] == ["ALL"]
            for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
                assert probe in container, (workload["metadata"]["name"], probe)
            assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
            assert {"cpu", "memory"} <= set(container["resources"]["limits"])
            assert {"cpu", "memory"} <= set(container["resources"]["requests"])
            image = container["image"]
            assert ":" in image
            assert not image.endswith(":latest")


def test_every_multi_replica_workload_has_a_disruption_budget(
    rendered: list[dict[str, Any]],
) -> None:
    budgets = [d["spec"]["selector"]["matchLabels"] for d in rendered
               if d["kind"] == "PodDisruptionBudget"]
    for workload in workloads(rendered):
        if workload["spec"].get("replicas", 1) > 1:
            labels = workload["spec"]["template"]["metadata"]["labels"]
            assert any(selector.items() <= labels.items() for selector in budgets), (
                workload["metadata"]["name"])


def test_the_audit_store_is_retained(rendered: list[dict[str, Any]]) -> None:
    [audit] = [d for d in rendered if d["kind"] == "StatefulSet"]
    assert audit["spec"]["persistentVolumeClaimRetentionPolicy"] == {
        "whenDeleted": "Retain", "whenScaled": "Retain"}
    assert audit["spec"]["replicas"] == 1  # one writer per evidence log


def test_monitoring_objects_carry_the_release_label(rendered: list[dict[str, Any]]) -> None:
    for doc in rendered:
        if doc["kind"] in ("ServiceMonitor", "PrometheusRule"):
            assert doc["metadata"]["labels"]["release"] == "kube-prometheus-stack"


def test_kafka_objects_use_strimzi_v1(rendered: list[dict[str, Any]]) -> None:
    kafka = [d for d in rendered if d["kind"] in ("KafkaTopic", "KafkaUser")]
    assert kafka
    for doc in kafka:
        assert doc["apiVersion"] == "kafka.strimzi.io/v1"
        assert doc["metadata"]["labels"]["strimzi.io/cluster"] == "dunwell-kafka"
    for user in (d for d in kafka if d["kind"] == "KafkaUser"):
        assert user["spec"]["authentication"]["type"] == "scram-sha-512"
        assert all("operations" in acl for acl in user["spec"]["authorization"]["acls"])


def test_every_topic_the_code_uses_is_declared(rendered: list[dict[str, Any]]) -> None:
    from shared.topics import Topics

    declared = {d["spec"]["topicName"] for d in rendered if d["kind"] == "KafkaTopic"}
    assert set(Topics().all()) <= declared


def test_the_deployed_scheduler_config_is_the_tested_one() -> None:
    source = Path(__file__).resolve().parents[2] / "services" / "scheduler" / "config"
    copies = DEPLOY / "base" / "scheduler" / "config"
    for name in ("strategy.yaml", "branches.yaml"):
        assert yaml.safe_load((copies / name).read_text()) == yaml.safe_load(
            (source / name).read_text()), name


def test_the_deployed_calendars_are_the_tested_ones_and_both_services_read_them(
    rendered: list[dict[str, Any]],
) -> None:
    source = Path(__file__).resolve().parents[2] / "shared" / "calendars"
    copies = DEPLOY / "base" / "calendars"
    assert sorted(p.name for p in copies.glob("*.yaml") if p.name != "kustomization.yaml") == sorted(
        p.name for p in source.glob("*.yaml")
    )
    for original in source.glob("*.yaml"):
        assert (copies / original.name).read_text() == original.read_text(), original.name
    maps = [d for d in rendered if d["kind"] == "ConfigMap"]
    calendars = next(m for m in maps if m["metadata"]["name"].startswith("dunwell-calendars"))
    for name, env in (("scheduler", "DUNWELL_SCHEDULER_CALENDAR_FILE"), ("notifier", "DUNWELL_NOTIFIER_CALENDARS_DIR")):
        deployment = next(d for d in rendered if d["kind"] == "Deployment" and d["metadata"]["name"] == name)
        pod = deployment["spec"]["template"]["spec"]
        volume = next(v for v in pod["volumes"] if v["name"] == "calendars")
        assert volume["configMap"]["name"] == calendars["metadata"]["name"]
        container = pod["containers"][0]
        mount = next(m for m in container["volumeMounts"] if m["name"] == "calendars")
        value = next(e["value"] for e in container["env"] if e["name"] == env)
        assert value.startswith(mount["mountPath"]), (name, value)


def test_the_deployed_packs_and_templates_are_the_tested_ones() -> None:
    source = Path(__file__).resolve().parents[2] / "services" / "notifier" / "config"
    copies = DEPLOY / "base" / "notifier" / "config"
    for name, original in (
        ("cn.yaml", source / "packs" / "cn.yaml"),
        ("us.yaml", source / "packs" / "us.yaml"),
        ("templates.yaml", source / "templates.yaml"),
    ):
        assert yaml.safe_load((copies / name).read_text()) == yaml.safe_load(
            original.read_text()
        ), name


def _selects(policy: dict[str, Any], labels: dict[str, str]) -> bool:
    selector = policy["spec"]["podSelector"]
    if any(labels.get(k) != v for k, v in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        assert expression["operator"] == "In", expression
        if labels.get(expression["key"]) not in expression["values"]:
            return False
    return True


def _egress_ports(policy: dict[str, Any]) -> set[int]:
    return {p["port"] for rule in policy["spec"].get("egress", []) for p in rule.get("ports", [])}


def test_every_workload_with_a_database_secret_may_reach_postgresql() -> None:
    """Deny-all egress in production: a service whose database URL comes from a secret
    (PostgreSQL) must be let through to 5432, or it cannot start there."""
    docs = render(DEPLOY / "overlays" / "prod")
    policies = [d for d in docs if d["kind"] == "NetworkPolicy"]
    on_postgres = [
        w
        for w in workloads(docs)
        if any(
            e["name"].endswith("_DATABASE_URL") and "secretKeyRef" in e.get("valueFrom", {})
            for c in containers(w)
            for e in c.get("env", [])
        )
    ]
    names = sorted(w["metadata"]["name"] for w in on_postgres)
    assert names == ["audit", "desk", "notifier"]
    for workload in on_postgres:
        labels = workload["spec"]["template"]["metadata"]["labels"]
        allowed = set().union(*(_egress_ports(p) for p in policies if _selects(p, labels)))
        assert 5432 in allowed, workload["metadata"]["name"]
