"""The docs keep up with the code: every setting, CLI command and public name is documented.

Failure messages list exactly what is missing, so whoever added it knows what to write where.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer

import haiquan
from haiquan.cli import app
from haiquan.settings import Settings

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _read(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def _all_docs() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in sorted(DOCS.rglob("*.md")))


def _mentioned(name: str, text: str) -> bool:
    return re.search(rf"(?<![\w]){re.escape(name)}(?![\w])", text) is not None


def _command_paths(command: Any, path: tuple[str, ...] = ()) -> Iterator[str]:
    """``haiquan X``, ``haiquan X Y`` ... for every command and sub-group, depth first."""
    if path:
        yield "haiquan " + " ".join(path)
    for name, sub in (getattr(command, "commands", None) or {}).items():
        if not getattr(sub, "hidden", False):
            yield from _command_paths(sub, (*path, name))


def test_every_setting_is_in_settings_md() -> None:
    text = _read("settings.md")
    missing = [
        f"HAIQUAN_{name.upper()}"
        for name in Settings.model_fields
        if f"HAIQUAN_{name.upper()}" not in text
    ]
    assert not missing, "add these settings to docs/settings.md: " + ", ".join(missing)


def test_every_cli_command_is_in_cli_md() -> None:
    text = _read("cli.md")
    paths = list(_command_paths(typer.main.get_command(app)))
    assert paths, "the CLI has no commands"
    missing = [path for path in paths if not re.search(rf"`{re.escape(path)}(`|\s)", text)]
    assert not missing, "add these commands to docs/cli.md: " + ", ".join(missing)


def _subpackages() -> Iterator[str]:
    for info in pkgutil.walk_packages(haiquan.__path__, prefix="haiquan."):
        if info.ispkg:
            yield info.name


def test_every_public_name_is_in_the_docs() -> None:
    text = _all_docs()
    missing: list[str] = []
    broken: list[str] = []
    for package in _subpackages():
        try:
            module = importlib.import_module(package)
        except Exception as error:  # report every package, not only the first that fails
            broken.append(f"{package} ({type(error).__name__}: {error})")
            continue
        for name in getattr(module, "__all__", ()):
            if not _mentioned(name, text):
                missing.append(f"{package}.{name}")
    assert not broken, "these packages do not import: " + "; ".join(broken)
    assert not missing, "mention these public names in a file under docs/: " + ", ".join(missing)


def test_settings_md_quotes_the_real_settings_error() -> None:
    """The error quoted in docs/settings.md is the one a bad HAIQUAN_MODE really gives."""
    from pydantic import ValidationError as PydanticValidationError

    from haiquan.settings import settings_error

    try:
        Settings(mode="prod")  # type: ignore[arg-type]
    except PydanticValidationError as error:
        message = " ".join(str(settings_error(error)).split())
    else:
        raise AssertionError("Settings(mode='prod') was accepted")
    text = " ".join(_read("settings.md").split())
    assert message in text, f"docs/settings.md should quote the error as it is: {message}"
