"""Rich consoles shared by the CLI commands."""

from rich.console import Console

console = Console()
error_console = Console(stderr=True)
