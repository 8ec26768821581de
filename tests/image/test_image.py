"""What the image holds and how it runs: non-root, no build tools, labelled, with its SBOM."""

from __future__ import annotations

import json
import subprocess
import tarfile
import tomllib

import pytest

from tests.image.conftest import ROOT, Image

pytestmark = [pytest.mark.image, pytest.mark.timeout(900)]


def test_it_runs_as_the_non_root_user_from_a_writable_data_directory(image: Image) -> None:
    assert image.config["User"] == "10001:10001"
    assert image.config["WorkingDir"] == "/var/lib/dunwell"
    assert image.config["Entrypoint"] == ["python", "-m"]
    assert "8080/tcp" in image.config["ExposedPorts"]
    probe = "import os, pathlib; pathlib.Path('.local').mkdir(); print(os.getuid(), os.getcwd())"
    # With a read-only root (as in Kubernetes) only volumes are writable ...
    assert image.run("-c", probe, entrypoint="python").returncode != 0
    # ... and without one, the image's user can write its data directory by default.
    writable = image.run("-c", probe, entrypoint="python", read_only=False)
    assert writable.stdout.split() == ["10001", "/var/lib/dunwell"], writable.stderr


def test_it_carries_no_pip_uv_compiler_or_sources(image: Image) -> None:
    found = image.run(
        "-c",
        "for t in pip pip3 uv gcc cc; do command -v $t; done; ls /src 2>/dev/null; true",
        entrypoint="sh",
    )
    assert found.returncode == 0, found.stderr
    assert found.stdout.strip() == ""
    where = image.run(
        "-c", "import services, shared; print(services.__path__[0])", entrypoint="python"
    )
    # A regular install in the environment, not an editable one pointing at the build stage.
    assert where.stdout.strip() == "/opt/venv/lib/python3.11/site-packages/services"


def test_the_operator_command_and_each_service_module_start(image: Image) -> None:
    assert image.run("services.cli", "--help").stdout.startswith("Usage:")
    assert image.run("--help", entrypoint="dunwell").stdout.startswith("Usage:")
    for service in ("audit", "notifier", "scheduler", "desk"):
        spec = image.run(
            "-c",
            f"import importlib.util as u; print(bool(u.find_spec('services.{service}.__main__')))",
            entrypoint="python",
        )
        assert spec.stdout.strip() == "True", service


def test_it_is_labelled_with_its_source_revision_and_version(image: Image) -> None:
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert image.labels["org.opencontainers.image.revision"] == head
    assert image.labels["org.opencontainers.image.version"] == version
    assert image.labels["org.opencontainers.image.source"]


def test_it_is_exported_as_an_oci_layout_and_a_docker_archive(image: Image) -> None:
    layout = image.artefact(".oci")
    assert json.loads((layout / "oci-layout").read_text())["imageLayoutVersion"] == "1.0.0"
    assert json.loads((layout / "index.json").read_text())["manifests"]
    with tarfile.open(image.artefact(".docker.tar")) as archive:
        manifest = json.load(archive.extractfile("manifest.json"))  # type: ignore[arg-type]
    assert manifest[0]["RepoTags"] == [image.tag]


def test_its_sbom_names_every_locked_package_and_the_debian_base(image: Image) -> None:
    bom = json.loads(image.artefact(".cdx.json").read_text())
    assert (bom["bomFormat"], bom["specVersion"]) == ("CycloneDX", "1.5")
    purls = {c["purl"] for c in bom["components"]}
    lock = tomllib.loads((ROOT / "uv.lock").read_text())["package"]
    pinned = {p["name"]: p["version"] for p in lock}
    for name in ("aiokafka", "faust-streaming", "sqlalchemy", "cryptography"):
        assert f"pkg:pypi/{name}@{pinned[name]}" in purls
    # Development-only packages (the test runner, the providers' SDKs used to check our
    # clients) stay out of the image; aiosmtpd is in it: the notifier's inbound mail listener.
    dev_only = ("pkg:pypi/pytest@", "pkg:pypi/wechatpy@", "pkg:pypi/twilio@")
    assert not any(p.startswith(dev_only) for p in purls)
    assert any(p.startswith("pkg:pypi/aiosmtpd@") for p in purls)
    assert any(p.startswith("pkg:deb/debian/python3.11@") for p in purls)
