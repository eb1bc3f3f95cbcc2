"""Rich consoles shared by the CLI commands (wide when writing to a file or a pipe)."""

import sys

from rich.console import Console

console = Console(width=None if sys.stdout.isatty() else 160)
error_console = Console(stderr=True, soft_wrap=True)
