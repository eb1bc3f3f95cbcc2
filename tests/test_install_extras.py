"""The install extras hold together: a gateway node runs on the base dependencies alone (no
numerical stack), every optional module the code imports belongs to an extra that installs it,
and ``[all]`` is everything. scripts/check-gateway-install proves the first in a real fresh
virtualenv; these tests check the same from the package metadata, in a few seconds."""

from __future__ import annotations

import ast
import importlib.metadata as metadata
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from haiquan._extras import COMMAND_EXTRAS, MODULE_EXTRAS, missing_extra

pytestmark = pytest.mark.gateway

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
NUMERICAL_STACK = [
    "pandas",
    "numpy",
    "duckdb",
    "scipy",
    "lightgbm",
    "statsforecast",
    "dask",
    "pyfixest",
    "plotly",
    "pyarrow",
    "sklearn",
    "highspy",
]
#: What a gateway machine runs: the node, its own command, and the ``haiquan gateway`` commands.
GATEWAY_IMPORTS = (
    "haiquan.exchange",
    "haiquan.exchange.serve",
    "haiquan.exchange.http",
    "haiquan.exchange.node",
    "haiquan.exchange.__main__",
    "haiquan.migrations",
    "haiquan.migrations._run",
    "haiquan.cli",
    "haiquan.cli.gateway",
)


Wanted = set[tuple[str, frozenset[str]]]


def requirement(text: str) -> tuple[str, frozenset[str]]:
    parsed = Requirement(text)
    return canonicalize_name(parsed.name), frozenset(parsed.extras)


def extra_requirements(extra: str) -> Wanted:
    """The distributions (with their extras) an extra of haiquan names, its own extras
    (``haiquan[analytics]``) followed."""
    wanted: Wanted = set()
    for text in PROJECT["optional-dependencies"][extra]:
        name, extras = requirement(text)
        if name == "haiquan":
            for inner in extras:
                wanted |= extra_requirements(inner)
        else:
            wanted.add((name, extras))
    return wanted


def base_requirements() -> Wanted:
    return {requirement(text) for text in PROJECT["dependencies"]}


def closure(wanted: Wanted) -> set[str]:
    """The distributions ``wanted`` installs: them and all they require, as installed here
    (requirement markers and extras followed)."""
    seen: set[tuple[str, frozenset[str]]] = set()
    todo = list(wanted)
    while todo:
        name, extras = todo.pop()
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        environments = [{"extra": extra} for extra in extras] or [{"extra": ""}]
        for text in requires:
            parsed = Requirement(text)
            if parsed.marker is None or any(parsed.marker.evaluate(env) for env in environments):
                todo.append(requirement(text))
    return {name for name, _ in seen}


def imported_by(files: list[str]) -> set[str]:
    """The top-level modules these source files import when they are imported: their
    module-level imports, not those under ``if TYPE_CHECKING`` or inside functions (a function
    importing pandas to read a DataFrame it was given runs only where pandas is)."""
    names: set[str] = set()

    def visit(statements: list[ast.stmt]) -> None:
        for node in statements:
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
            elif isinstance(node, ast.If):
                if "TYPE_CHECKING" not in ast.unparse(node.test):
                    visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body)
                for handler in node.handlers:
                    visit(handler.body)
                visit(node.orelse)
                visit(node.finalbody)

    for file in files:
        visit(ast.parse(Path(file).read_text(encoding="utf-8")).body)
    return names


def test_the_base_brings_no_numerical_stack() -> None:
    installed = closure(base_requirements())
    distributions = metadata.packages_distributions()
    heavy = {
        canonicalize_name(d)
        for module in NUMERICAL_STACK
        for d in distributions.get(module, [module])
    }
    assert installed & heavy == set()
    assert "pandas" in closure(extra_requirements("analytics"))  # the check itself sees them


def test_the_gateway_code_imports_only_what_the_base_installs() -> None:
    # The haiquan modules a gateway process loads, and what their code imports.
    code = (
        "import importlib, sys\n"
        f"for name in {GATEWAY_IMPORTS!r}: importlib.import_module(name)\n"
        "print(sorted({m.split('.')[0] for m in sys.modules}))\n"
        "print([m.__file__ for n, m in sys.modules.items() if n.split('.')[0] == 'haiquan' "
        "and getattr(m, '__file__', None)])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    loaded, files = ast.literal_eval(out[0]), ast.literal_eval(out[1])
    assert set(loaded) & set(NUMERICAL_STACK) == set()
    assert len(files) > 40  # the gateway's own modules, found
    distributions = metadata.packages_distributions()
    imported = imported_by(files) - set(sys.stdlib_module_names) - {"haiquan"}
    needed = {canonicalize_name(d) for module in imported for d in distributions.get(module, [])}
    unknown = {module for module in imported if module not in distributions}
    assert not unknown, f"modules imported by the gateway that nothing installs: {unknown}"
    missing = needed - closure(base_requirements())
    assert not missing, f"the gateway imports these, which the base does not install: {missing}"


def test_every_optional_module_belongs_to_an_extra_that_installs_it() -> None:
    distributions = metadata.packages_distributions()
    for module, extra in MODULE_EXTRAS.items():
        if module not in distributions:  # an alias name (python_multipart / multipart ...)
            continue
        provided_by = {canonicalize_name(d) for d in distributions[module]}
        assert provided_by & closure(extra_requirements(extra)), (module, extra)
        assert not provided_by & closure(base_requirements()), f"{module} is in the base"
    extras = set(PROJECT["optional-dependencies"])
    assert set(COMMAND_EXTRAS.values()) <= extras


def test_every_module_haiquan_imports_is_in_the_base_or_named_by_an_extra() -> None:
    # Anywhere in the package, at any depth: a module outside the base that no extra names
    # would fail with a traceback on an install without it, instead of naming what to install.
    package = ROOT / "haiquan"
    imported: set[str] = set()
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    imported -= set(sys.stdlib_module_names) | {"haiquan"}
    assert {"pandas", "fastapi", "lightgbm"} <= imported  # the scan sees imports
    distributions = metadata.packages_distributions()
    base = closure(base_requirements())
    outside = {
        module
        for module in imported
        if not {canonicalize_name(d) for d in distributions.get(module, [])} & base
    }
    assert outside - set(MODULE_EXTRAS) == set()


def test_all_is_every_extra_but_the_test_tools() -> None:
    every = set().union(
        *(
            extra_requirements(extra)
            for extra in PROJECT["optional-dependencies"]
            if extra != "test"
        )
    )
    assert extra_requirements("all") == every
    install = (ROOT / "scripts" / "install").read_text(encoding="utf-8")
    assert "'.[all,test]'" in install  # the README's commands install everything


def test_a_missing_part_is_named_with_its_extra_and_the_pip_line() -> None:
    error = missing_extra(
        ModuleNotFoundError("No module named 'pandas'", name="pandas"), ["forecast", "--help"]
    )
    assert error is not None
    assert str(error).startswith("haiquan forecast needs haiquan[forecast]")
    assert error.fix == "pip install 'haiquan[forecast]'"
    # Without a command: the module's own extra.
    error = missing_extra(ModuleNotFoundError("No module named 'psycopg'", name="psycopg"))
    assert error is not None and error.fix == "pip install 'haiquan[postgres]'"
    # A module no extra provides is a bug, left to its traceback.
    assert missing_extra(ModuleNotFoundError("x", name="haiquan.nowhere"), ["forecast"]) is None


def run_without(
    modules: list[str], argv: list[str], home: Path
) -> subprocess.CompletedProcess[str]:
    """``haiquan ARGV`` in a process where ``modules`` cannot be imported, as on an install
    without their extra (each is None in sys.modules, so importing it raises
    ModuleNotFoundError naming it)."""
    code = (
        "import sys\n"
        f"for name in {modules!r}: sys.modules[name] = None\n"
        f"sys.argv = ['haiquan', *{argv!r}]\n"
        "from haiquan.cli import main\n"
        "main()\n"
    )
    env = {**os.environ, "HAIQUAN_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )


def test_a_command_of_a_part_not_installed_names_its_extra(tmp_path: Path) -> None:
    done = run_without(NUMERICAL_STACK, ["forecast"], tmp_path)
    assert done.returncode == 1, done.stderr
    assert "haiquan forecast needs haiquan[forecast]" in done.stderr
    assert "pip install 'haiquan[forecast]'" in done.stderr
    assert "Traceback" not in done.stderr
    # The gateway's own commands run there.
    done = run_without(NUMERICAL_STACK, ["gateway", "document-types"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "atiga-form-d" in done.stdout


def test_a_postgresql_store_without_its_driver_names_the_postgres_extra(tmp_path: Path) -> None:
    url = "postgresql+psycopg://gw@127.0.0.1:1/gw"
    done = run_without(
        ["psycopg", *NUMERICAL_STACK],
        [
            "gateway",
            "init",
            "--country",
            "VNM",
            "--endpoint",
            "http://127.0.0.1:8801",
            "--home",
            str(tmp_path / "vnm"),
            "--database-url",
            url,
        ],
        tmp_path,
    )
    assert done.returncode == 1, done.stderr
    assert "pip install 'haiquan[postgres]'" in done.stderr
    assert "Traceback" not in done.stderr
