"""Rich consoles shared by the CLI commands (wide when writing to a file or a pipe)."""

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console

# Piped or written to a file, tables are 160 columns wide rather than cut to a default 80;
# a COLUMNS the operator set (COLUMNS=80 haiquan ... > out.txt) is honoured either way.
console = Console(width=None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 160)
error_console = Console(stderr=True, soft_wrap=True)


@contextmanager
def native_output_to_stderr() -> Iterator[None]:
    """Send what native libraries write to standard output to standard error meanwhile.

    Native solvers may print straight to file descriptor 1 (the HiGHS inside scipy, used for the
    plan's LP duals, printed a debugging line while solving large integer programmes); on
    standard output that would break ``--json`` (and tables piped into other tools). Only the
    CLI does this — a single-threaded process — never the library, which also runs inside the
    web server's threads.
    """
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
