"""``haiquan --version`` prints the one version the package and its metadata carry."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version

import haiquan


def test_version_option_prints_the_package_version() -> None:
    run = subprocess.run(
        [sys.executable, "-c", "from haiquan.cli import main; main()", "--version"],
        capture_output=True, text=True, check=False,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == f"haiquan {haiquan.__version__}"


def test_installed_metadata_reads_the_version_from_the_package() -> None:
    # pyproject.toml declares the version dynamic, read from haiquan.__version__: one place.
    assert version("haiquan") == haiquan.__version__
