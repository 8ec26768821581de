"""The e2e fixtures' report of a service that did not stop cleanly: the exit codes and the end
of that service's log, which is all a CI run's output has to diagnose it from."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox.stack import Stack, StackConfig
from tests.support.stack import assert_stopped_cleanly


def a_stack(workdir: Path) -> Stack:
    return Stack(StackConfig(bootstrap_servers="127.0.0.1:1", workdir=workdir, smtp_port=1))


def test_clean_exits_pass(tmp_path: Path) -> None:
    assert_stopped_cleanly(a_stack(tmp_path), {"audit": 0, "scheduler": 0}, ("audit",))


def test_an_expected_service_without_an_exit_code_fails(tmp_path: Path) -> None:
    with pytest.raises(AssertionError, match="no exit code for \\['desk'\\]"):
        assert_stopped_cleanly(a_stack(tmp_path), {"audit": 0}, ("audit", "desk"))


def test_a_failed_exit_reports_the_end_of_its_own_log_only(tmp_path: Path) -> None:
    lines = [f"line {n}" for n in range(100)]
    (tmp_path / "scheduler.log").write_text("\n".join(lines) + "\n")
    (tmp_path / "audit.log").write_text("audit's own line\n")
    with pytest.raises(AssertionError) as failure:
        assert_stopped_cleanly(a_stack(tmp_path), {"audit": 0, "scheduler": 1}, (), tail_lines=5)
    report = str(failure.value)
    assert "'scheduler': 1" in report
    assert "--- scheduler exited 1" in report
    assert all(f"line {n}" in report for n in range(95, 100))
    assert "line 94" not in report
    assert "audit's own line" not in report


def test_a_missing_log_is_said_not_raised(tmp_path: Path) -> None:
    with pytest.raises(AssertionError, match="no log"):
        assert_stopped_cleanly(a_stack(tmp_path), {"desk": -9}, ())
