"""Every custom resource in every overlay validates against its operator's published schema
(deploy/k8s/schemas, with their sources); a kind without a schema fails."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator, ValidationError

from tests.deploy.manifests import DEPLOY, OVERLAYS, render

CORE_GROUPS = ("v1", "apps/v1", "policy/v1", "networking.k8s.io/v1")
SCHEMAS = {
    ("kafka.strimzi.io/v1", "KafkaTopic"): "kafkatopic-v1.yaml",
    ("kafka.strimzi.io/v1", "KafkaUser"): "kafkauser-v1.yaml",
    ("monitoring.coreos.com/v1", "ServiceMonitor"): "servicemonitor-v1.yaml",
    ("monitoring.coreos.com/v1", "PrometheusRule"): "prometheusrule-v1.yaml",
    ("external-secrets.io/v1", "ExternalSecret"): "externalsecret-v1.yaml",
    ("keda.sh/v1alpha1", "ScaledObject"): "scaledobject-v1alpha1.yaml",
}


def validator(api_version: str, kind: str) -> Draft7Validator:
    name = SCHEMAS.get((api_version, kind))
    assert name is not None, f"no published schema for {api_version} {kind}"
    schema = yaml.safe_load((DEPLOY / "schemas" / name).read_text())
    Draft7Validator.check_schema(schema)
    return Draft7Validator(schema)


def custom(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [d for d in docs if d["apiVersion"] not in CORE_GROUPS]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_custom_resource_matches_its_schema(overlay: str) -> None:
    docs = custom(render(DEPLOY / "overlays" / overlay))
    assert {d["kind"] for d in docs} >= {"KafkaTopic", "KafkaUser", "PrometheusRule"}
    for doc in docs:
        errors = list(validator(doc["apiVersion"], doc["kind"]).iter_errors(doc))
        assert errors == [], (doc["kind"], doc["metadata"]["name"], [e.message for e in errors])


def test_scaled_object_replicas_are_ordered() -> None:
    # The ScaledObject CRD's CEL rule: minReplicaCount <= maxReplicaCount.
    for doc in custom(render(DEPLOY / "overlays" / "prod")):
        if doc["kind"] == "ScaledObject":
            spec = doc["spec"]
            assert spec.get("minReplicaCount", 0) <= spec.get("maxReplicaCount", 100)


@pytest.mark.parametrize(
    ("kind", "breakage"),
    [
        ("KafkaTopic", lambda d: d["spec"].update(partitions=0)),
        ("KafkaTopic", lambda d: d["spec"].update(retentionMs=1)),  # belongs in spec.config
        ("KafkaUser", lambda d: d["spec"]["authentication"].update(type="scram-sha-256")),
        (
            "KafkaUser",
            lambda d: d["spec"]["authorization"]["acls"][0]["resource"].update(type="topics"),
        ),
        ("PrometheusRule", lambda d: d["spec"]["groups"][0]["rules"][0].update(**{"for": "5 min"})),
        ("ServiceMonitor", lambda d: d["spec"]["endpoints"][0].update(scheme="tcp")),
        ("ServiceMonitor", lambda d: d["spec"].pop("selector")),
        ("ExternalSecret", lambda d: d["spec"]["secretStoreRef"].update(kind="Vault")),
        ("ScaledObject", lambda d: d["spec"].update(triggers=[])),
    ],
)
def test_a_broken_custom_resource_is_caught(kind: str, breakage: Any) -> None:
    doc = next(d for d in custom(render(DEPLOY / "overlays" / "prod")) if d["kind"] == kind)
    broken = copy.deepcopy(doc)
    breakage(broken)
    with pytest.raises(ValidationError):
        validator(broken["apiVersion"], broken["kind"]).validate(broken)
