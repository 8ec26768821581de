"""The house's shape, read from the source: layers, purity, no loops, small files and functions.

Every service has the same layers, each importing only those below it:
``domain`` (pure) → ``ports`` (Protocols) → ``handlers`` and ``adapters`` (neither imports the
other) → ``entrypoints`` → ``bootstrap`` (the only place naming adapters) → ``app`` →
``__main__``. ``settings``, ``metrics`` and ``migrations`` support every layer but the domain.
"""

from __future__ import annotations

import ast
import graphlib
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("audit", "desk", "notifier", "scheduler")
SHIPPED = ("services", "shared")
#: Everything a newcomer reads as code (tests aside).
CODE = ("services", "shared", "sandbox", "bench")
RANK = {
    "domain": 0,
    "ports": 1,
    "handlers": 2,
    "adapters": 2,
    "entrypoints": 3,
    "bootstrap": 4,
    "app": 5,
    "__main__": 6,
}
SUPPORT = {"settings", "metrics", "migrations", "__init__"}
#: Packages no pure module may import: transports, databases, frameworks, metrics.
IMPURE = {
    "aiokafka",
    "aiohttp",
    "aiosmtplib",
    "aiosqlite",
    "alembic",
    "asyncpg",
    "faust",
    "prometheus_client",
    "psycopg",
    "sqlalchemy",
}
#: Shared modules that do I/O; a domain module must not import them.
IMPURE_SHARED = {
    "shared.calendars.monitoring",
    "shared.consumer",
    "shared.database",
    "shared.health",
    "shared.kafka",
    "shared.logging",
    "shared.metrics",
    "shared.service",
    "shared.testing",
    "shared.web",
}
MAX_FILE_LINES = 300
MAX_FUNCTION_LINES = 40


@dataclass(frozen=True)
class Module:
    name: str
    path: Path
    tree: ast.Module

    @property
    def package(self) -> str:
        return self.name if self.path.name == "__init__.py" else self.name.rpartition(".")[0]


def _name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Module]:
    found = {}
    for top in CODE:
        for path in sorted((ROOT / top).rglob("*.py")):
            found[_name(path)] = Module(_name(path), path, ast.parse(path.read_text()))
    return found


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node, except what stands under ``if TYPE_CHECKING:``."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from (n for child in node.orelse for n in [child, *_runtime_nodes(child)])
            continue
        yield node
        yield from _runtime_nodes(node)


def _imported(module: Module, nodes: Iterator[ast.AST]) -> set[str]:
    names = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.package.split(".")[
                    : len(module.package.split(".")) - node.level + 1
                ]
                base = ".".join([*anchor, *([base] if base else [])])
            names.add(base)
            names |= {f"{base}.{alias.name}" for alias in node.names}
    return names


def _internal(name: str) -> str | None:
    """The known module ``name`` refers to (a name imported from a module is the module)."""
    while name and name not in modules():
        name = name.rpartition(".")[0]
    return name or None


@cache
def imports(name: str, runtime_only: bool = False) -> frozenset[str]:
    """The internal modules ``name`` imports (every import, or those that run)."""
    module = modules()[name]
    nodes = _runtime_nodes(module.tree) if runtime_only else ast.walk(module.tree)
    found = {_internal(n) for n in _imported(module, nodes)}
    return frozenset(n for n in found if n is not None and n != name)


def third_party(name: str) -> set[str]:
    module = modules()[name]
    tops = {n.split(".")[0] for n in _imported(module, ast.walk(module.tree))}
    return tops - {"services", "shared", "sandbox", "bench", "tests", ""}


def layer(name: str) -> str | None:
    """``domain``, ``ports``, … for a service module; None outside the services."""
    parts = name.split(".")
    if len(parts) < 3 or parts[0] != "services" or parts[1] not in SERVICES:
        return None
    return parts[2]


def service_modules(service: str) -> list[str]:
    prefix = f"services.{service}."
    return [n for n in modules() if n.startswith(prefix)]


def test_there_are_no_import_loops() -> None:
    graph = {name: imports(name, runtime_only=True) for name in modules()}
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as e:
        pytest.fail(f"import loop: {' -> '.join(e.args[1])}")


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_has_the_same_layers(service: str) -> None:
    root = ROOT / "services" / service
    for package in ("domain", "handlers", "adapters", "entrypoints"):
        assert (root / package / "__init__.py").is_file(), f"{service} has no {package}/"
    for module in ("ports", "bootstrap", "app", "settings", "__main__"):
        assert (root / f"{module}.py").is_file(), f"{service} has no {module}.py"
    places = {layer(n) or "" for n in service_modules(service)}
    unplaced = sorted(places - RANK.keys() - SUPPORT)
    assert not unplaced, f"{service} modules outside the layers: {unplaced}"


@pytest.mark.parametrize("service", SERVICES)
def test_no_arrow_points_up(service: str) -> None:
    wrong = []
    for name in service_modules(service):
        source = layer(name) or ""
        for target in imports(name):
            up = layer(target) or ""
            if not up or target.split(".")[1] != service or up == source:
                continue
            above = source in RANK and up in RANK and RANK[up] > RANK[source]
            sideways = {source, up} == {"handlers", "adapters"}
            # settings may read the adapters' settings models; nothing else above the ports.
            support_up = source in SUPPORT - {"__init__"} and up in RANK.keys() - {
                "domain",
                "ports",
                "adapters",
            }
            if above or sideways or support_up:
                wrong.append(f"{name} -> {target}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("service", SERVICES)
def test_only_the_bootstrap_names_adapters(service: str) -> None:
    allowed = {"adapters", "bootstrap", "settings", "migrations"}
    wrong = [
        f"{name} -> {target}"
        for name in service_modules(service)
        if layer(name) not in allowed
        for target in imports(name)
        if layer(target) == "adapters" and target.split(".")[1] == service
    ]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("service", SERVICES)
def test_the_domain_is_pure(service: str) -> None:
    wrong = []
    for name in service_modules(service):
        if layer(name) != "domain":
            continue
        wrong += [f"{name} imports {p}" for p in sorted(third_party(name) & IMPURE)]
        for target in imports(name):
            outside = layer(target) not in (None, "domain") or target.startswith("sandbox")
            impure = any(target == s or target.startswith(f"{s}.") for s in IMPURE_SHARED)
            if outside or impure:
                wrong.append(f"{name} imports {target}")
    assert not wrong, "\n".join(wrong)


def test_services_and_shared_keep_to_themselves() -> None:
    wrong = []
    for name in modules():
        top = name.split(".")[0]
        for target in imports(name):
            unshipped = top in SHIPPED and target.split(".")[0] in {"sandbox", "bench", "tests"}
            upward = top == "shared" and target.startswith("services")
            across = (
                bool(layer(name) and layer(target)) and name.split(".")[1] != target.split(".")[1]
            )
            if unshipped or upward or across:
                wrong.append(f"{name} -> {target}")
    assert not wrong, "\n".join(wrong)


def test_the_wheel_packages_only_what_production_runs() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = project["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
    assert sorted(packages) == sorted(SHIPPED)


def _functions(tree: ast.AST) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def test_files_and_functions_stay_small() -> None:
    wrong = []
    for module in modules().values():
        if "migrations" in module.path.parts:
            continue
        lines = len(module.path.read_text().splitlines())
        if lines > MAX_FILE_LINES:
            wrong.append(f"{module.path.relative_to(ROOT)}: {lines} lines")
        for function in _functions(module.tree):
            length = (function.end_lineno or function.lineno) - function.lineno + 1
            if length > MAX_FUNCTION_LINES:
                wrong.append(f"{module.path.relative_to(ROOT)}:{function.name}: {length} lines")
    assert not wrong, "\n".join(wrong)
