"""Every package's ``__all__`` is sorted and complete, so ``from haiquan.x import *``, the API
reference (mkdocs) and the docs test see the same public names as the code that imports them.

Complete means: every name listed exists, and every name that code outside the package imports
from the package itself (``from haiquan.warehouse import query_flows``) is listed. Submodules
(``from haiquan.warehouse import sources``) are modules, not names of the package, and are left out.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import pkgutil
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from types import ModuleType

import haiquan

ROOT = Path(haiquan.__file__).resolve().parent.parent
SOURCES = [*sorted((ROOT / "haiquan").rglob("*.py")), *sorted((ROOT / "tests").rglob("*.py"))]


def _packages() -> Iterator[str]:
    yield "haiquan"
    for info in pkgutil.walk_packages(haiquan.__path__, prefix="haiquan."):
        if info.ispkg and ".migrations" not in info.name:
            yield info.name


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def _from_imports() -> list[tuple[str, str, str, str]]:
    """(importing module, its file, imported module, name) of every absolute ``from`` import."""
    found = []
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                for alias in node.names:
                    found.append(
                        (_module_name(path), str(path.relative_to(ROOT)), node.module, alias.name)
                    )
    return found


def _imports_from(package: str) -> Iterator[tuple[str, str]]:
    """(importing file, name) for each ``from <package> import name`` outside the package."""
    for importer, file, module, name in _from_imports():
        inside = importer == package or importer.startswith(package + ".")
        if module == package and not inside:
            yield file, name


def _all(package: str) -> tuple[ModuleType, list[str]]:
    module = importlib.import_module(package)
    names = getattr(module, "__all__", None)
    if names is None:
        # A package of data files only (haiquan.reference.data) has no names to list.
        public = [
            name
            for name, value in vars(module).items()
            if not name.startswith("_")
            and name != "annotations"
            and not isinstance(value, ModuleType)
        ]
        assert not public, f"{package} defines {public} but has no __all__"
        return module, []
    return module, list(names)


def _defined(module: ModuleType) -> list[str]:
    """Public names the package's own ``__init__.py`` defines at module level (functions,
    classes, assignments), as opposed to names it imports for its own use."""
    tree = ast.parse(Path(str(module.__file__)).read_text(encoding="utf-8"))
    names = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.append(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.extend(t.id for t in targets if isinstance(t, ast.Name))
    return [name for name in names if not name.startswith("_")]


def _isort_key(name: str) -> tuple[int, list[int | str]]:
    """The order ruff's RUF022 keeps ``__all__`` in ("isort-style"): CONSTANTS, then Classes,
    then functions and other names, each in natural order (``x2`` before ``x10``)."""
    if name.isupper() and len(name) > 1:
        kind = 0
    elif name[:1].isupper():
        kind = 1
    else:
        kind = 2
    return kind, [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def test_every_package_all_is_sorted() -> None:
    unsorted = {}
    for package in _packages():
        _, names = _all(package)
        if names != sorted(names, key=_isort_key):
            unsorted[package] = sorted(names, key=_isort_key)
    assert not unsorted, f"sort these __all__ lists (CONSTANTS, Classes, functions): {unsorted}"


def test_every_listed_name_exists() -> None:
    absent = [
        f"{package}.{name}"
        for package in _packages()
        for module, names in [_all(package)]
        for name in names
        if not hasattr(module, name)
    ]
    assert not absent, "__all__ lists names the package does not define: " + ", ".join(absent)


def test_every_name_imported_from_a_package_is_listed() -> None:
    unlisted: dict[str, set[str]] = {}
    for package in _packages():
        module, names = _all(package)
        for importer, name in _imports_from(package):
            if name == "*" or name.startswith("_") or name in names:
                continue  # private names (a test reaching in) are not part of the interface
            if importlib.util.find_spec(f"{package}.{name}") is not None:
                continue  # a submodule
            unlisted.setdefault(f"{package}.{name}", set()).add(importer)
    assert not unlisted, "add these names to their package's __all__ (imported by): " + "; ".join(
        f"{name} ({', '.join(sorted(files)[:3])})" for name, files in sorted(unlisted.items())
    )


def test_every_public_name_a_package_defines_is_listed() -> None:
    # A function written in a package's __init__.py is its interface even before other code
    # imports it; without this, a new public helper there would pass unlisted.
    unlisted = [
        f"{package}.{name}"
        for package in _packages()
        for module, names in [_all(package)]
        for name in _defined(module)
        if name not in names
    ]
    assert not unlisted, "add these names to their package's __all__: " + ", ".join(unlisted)
