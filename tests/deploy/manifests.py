"""Rendering and reading the deployment: overlays, rules, dashboards, metric names."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "k8s"
MONITORING = DEPLOY / "base" / "monitoring"
OVERLAYS = ("dev", "prod")
KUBERNETES = "1.32.0"
OUR_PREFIXES = ("dunwell_", "notifier_", "scheduler_", "audit_", "desk_")


def render(path: Path) -> list[dict[str, Any]]:
    """``kubectl kustomize`` of one folder, as parsed documents."""
    kubectl = shutil.which("kubectl")
    assert kubectl, "kubectl is required to render the manifests"
    result = subprocess.run([kubectl, "kustomize", str(path)], capture_output=True, text=True,  # noqa: S603
                            check=False)
    assert result.returncode == 0, result.stderr
    return [d for d in yaml.safe_load_all(result.stdout) if d]


def rule_groups(rules_file: Path = MONITORING / "rules.yaml") -> dict[str, Any]:
    """The PrometheusRule's groups in promtool's file format."""
    return {"groups": yaml.safe_load(rules_file.read_text())["spec"]["groups"]}


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("promtool")
    assert binary, "promtool is required (deploy/local/prometheus.sh installs it)"
    return subprocess.run([binary, *args], capture_output=True, text=True, check=False)  # noqa: S603


def dashboard_queries(folder: Path = MONITORING / "dashboards") -> list[str]:
    queries = []
    for path in sorted(folder.glob("*.json")):
        for panel in json.loads(path.read_text())["panels"]:
            queries += [t["expr"] for t in panel.get("targets", [])]
    return queries


def alert_queries(groups: dict[str, Any] | None = None) -> list[str]:
    groups = groups or rule_groups()
    return [rule["expr"] for group in groups["groups"] for rule in group["rules"]]


def metric_names(expression: str) -> set[str]:
    """Our metric names in a PromQL expression, without histogram/counter sample suffixes."""
    names = set(re.findall(r"\b((?:dunwell|notifier|scheduler|audit|desk)_[a-z0-9_]+)", expression))
    return {re.sub(r"_(bucket|count|sum)$", "", n) for n in names}


def exported_names(exposition: str) -> set[str]:
    """Every sample name a /metrics page exposes (families with no samples included)."""
    found = set()
    for line in exposition.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split()[:4]
            found.add(name + "_total" if kind == "counter" else name)
            found.add(name)
        elif line and not line.startswith("#"):
            found.add(re.sub(r"_(bucket|count|sum)$", "", line.split("{")[0].split()[0]))
    return found
