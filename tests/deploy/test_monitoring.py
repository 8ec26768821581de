"""Alert rules pass promtool's checks and unit tests; dashboards and alerts name real metrics."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.deploy.manifests import (
    MONITORING,
    alert_queries,
    dashboard_queries,
    metric_names,
    promtool,
    rule_groups,
)


def write_rules(folder: Path, groups: dict[str, object]) -> Path:
    path = folder / "rules.extracted.yaml"
    path.write_text(yaml.safe_dump(groups))
    return path


def test_the_rules_pass_promtool_check(tmp_path: Path) -> None:
    result = promtool("check", "rules", str(write_rules(tmp_path, rule_groups())))
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_has_a_passing_unit_test(tmp_path: Path) -> None:
    write_rules(tmp_path, rule_groups())
    tests = tmp_path / "rules-test.yaml"
    tests.write_text((MONITORING / "rules-test.yaml").read_text())
    result = promtool("test", "rules", str(tests))
    assert result.returncode == 0, result.stdout + result.stderr
    tested = {t["alertname"] for case in yaml.safe_load(tests.read_text())["tests"]
              for t in case["alert_rule_test"]}
    alerts = {r["alert"] for g in rule_groups()["groups"] for r in g["rules"]}
    assert alerts == tested


def test_a_broken_rule_is_caught(tmp_path: Path) -> None:
    groups = rule_groups()
    groups["groups"][0]["rules"][0]["expr"] = "sum by (service (rate(x[5m]))"
    result = promtool("check", "rules", str(write_rules(tmp_path, groups)))
    assert result.returncode != 0


def test_dashboards_and_alerts_refer_to_our_metrics() -> None:
    queries = dashboard_queries() + alert_queries()
    names = set().union(*(metric_names(q) for q in queries))
    assert {"dunwell_events_consumed_total", "audit_self_check_ok",
            "notifier_messages_total"} <= names
