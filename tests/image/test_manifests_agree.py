"""The manifests and the image agree: tag, user, entrypoint, ports and writable paths."""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any

import pytest

from tests.deploy.manifests import DEPLOY, render
from tests.image.conftest import Image

pytestmark = [pytest.mark.image, pytest.mark.timeout(900)]
#: Settings naming a file or directory the service writes.
WRITTEN = re.compile(r"_(DATABASE_URL|WITNESS_PATH|DATADIR)$")


def workloads() -> list[dict[str, Any]]:
    kinds = {"Deployment", "StatefulSet"}
    return [d for d in render(DEPLOY / "base") if d["kind"] in kinds]


def written_paths(container: dict[str, Any]) -> list[PurePosixPath]:
    paths = []
    for variable in container.get("env", []):
        value = variable.get("value")
        if value is None or not WRITTEN.search(variable["name"]):
            continue
        if value.startswith("sqlite"):
            value = value.split(":///", 1)[1]
        paths.append(PurePosixPath(value))
    return paths


@pytest.mark.parametrize("workload", workloads(), ids=lambda w: w["metadata"]["name"])
def test_each_workload_runs_the_image_as_it_was_built(
    image: Image, workload: dict[str, Any]
) -> None:
    pod = workload["spec"]["template"]["spec"]
    [container] = pod["containers"]
    user, group = image.config["User"].split(":")
    assert container["image"] == image.tag.removeprefix("localhost/")
    assert (
        str(pod["securityContext"]["runAsUser"]),
        str(pod["securityContext"]["runAsGroup"]),
    ) == (
        user,
        group,
    )
    assert "command" not in container, "the image's entrypoint (python -m) is what runs"
    assert container["args"] == [f"services.{workload['metadata']['name']}"]
    ports = {f"{p['containerPort']}/tcp" for p in container["ports"]}
    assert ports <= set(image.config["ExposedPorts"])
    assert container["securityContext"]["readOnlyRootFilesystem"] is True


@pytest.mark.parametrize("workload", workloads(), ids=lambda w: w["metadata"]["name"])
def test_every_path_a_service_writes_is_on_a_writable_volume(workload: dict[str, Any]) -> None:
    [container] = workload["spec"]["template"]["spec"]["containers"]
    writable = [
        PurePosixPath(m["mountPath"]) for m in container["volumeMounts"] if not m.get("readOnly")
    ]
    assert PurePosixPath("/tmp") in writable  # noqa: S108 - TMPDIR in the image
    for path in written_paths(container):
        assert any(path.is_relative_to(mount) for mount in writable), path
