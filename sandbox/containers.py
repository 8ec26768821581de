"""Run a Dunwell service as a container of the project's image, as Kubernetes would run it.

On the host's network (the local broker, PostgreSQL and the stand-ins listen on loopback), as
the image's non-root user, with a read-only root filesystem, every capability dropped and no
privilege escalation (what the manifests' securityContext asks). The stack's work directory is
mounted at the same path and handed to the image's user, so the paths in the services'
settings mean the same inside and out; /tmp is a tmpfs, as the manifests' emptyDir.
"""

from __future__ import annotations

import resource
import subprocess
from pathlib import Path


def ulimits() -> list[str]:
    """This host's hard limits (podman's defaults exceed them here, and runc refuses an nproc
    above the kernel's pid_max), as ``--ulimit`` options."""
    nofile = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    nproc = resource.getrlimit(resource.RLIMIT_NPROC)[1]
    pid_max = int(Path("/proc/sys/kernel/pid_max").read_text())
    nofile = 65536 if nofile == resource.RLIM_INFINITY else min(nofile, 65536)
    nproc = pid_max if nproc == resource.RLIM_INFINITY else min(nproc, pid_max)
    return [f"--ulimit=nofile={nofile}:{nofile}", f"--ulimit=nproc={nproc}:{nproc}"]


def container_name(namespace: str, process: str) -> str:
    return f"dunwell-{namespace or 'local'}-{process}"


def container_command(
    image: str, name: str, service: str, env: dict[str, str], workdir: str
) -> list[str]:
    """The ``podman run`` command of one service; ``env``'s values come from the caller's
    environment (``-e NAME``), so secrets never stand on a command line."""
    return [
        "podman",
        "run",
        "--rm",
        "--replace",
        f"--name={name}",
        "--network=host",
        "--read-only",
        "--cap-drop=all",
        "--security-opt=no-new-privileges",
        "--tmpfs=/tmp:rw,size=64m",
        f"--volume={workdir}:{workdir}:U",
        "--stop-timeout=30",
        *ulimits(),
        *(f"--env={key}" for key in sorted(env)),
        image,
        f"services.{service}",
    ]


def kill_container(name: str) -> None:
    """SIGKILL the container itself (killing ``podman run`` would leave it running)."""
    subprocess.run(  # noqa: S603 - fixed arguments
        ["podman", "kill", "--signal=KILL", name],  # noqa: S607 - podman from the PATH
        capture_output=True,
        check=False,
    )
