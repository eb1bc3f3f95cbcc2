"""Writing a user's output file whole or not at all.

A scores file, a forecast or an export that a crash, a full disk or Ctrl-C cuts off half-way
would look like a complete, shorter file — the next tool to read it cannot tell. Every output
haiquan writes for a user goes through :func:`write_atomically`: the content goes to a
temporary file beside the target, which replaces the target only once it is complete (an
atomic rename on the same file system). An earlier file of that name stays as it was until then.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path

from haiquan.errors import InputError

__all__ = ["write_atomically", "write_text_atomically"]


def write_atomically(
    path: str | Path, write: Callable[[Path], object], *, mode: int | None = None
) -> Path:
    """Call ``write(temporary_path)``, then move the temporary file to ``path``.

    Args:
        path: the file to produce.
        write: writes the whole content to the path it is given (``frame.to_csv``, say).
        mode: permissions of the new file, e.g. ``0o600`` for a key only its owner may read;
            the file has them from its creation, never a moment with wider ones.

    Returns:
        ``path`` as a :class:`~pathlib.Path`.

    Raises:
        InputError: the file cannot be written (a missing or read-only folder, a full disk):
            the operating system's reason, and what to do.
        Whatever else ``write`` raises. The temporary file is removed and ``path`` is untouched
        in every case.
    """
    target = Path(path)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        if mode is not None:
            os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode))
        write(temporary)
        with open(temporary, "rb+") as handle:  # on disk before the rename makes it visible
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException as error:
        with contextlib.suppress(OSError):
            temporary.unlink()
        if isinstance(error, OSError):
            raise InputError(
                f"cannot write {target}",
                expected="a file in an existing folder this process may write, on a disk with "
                "room for it",
                got=f"{target}: {error.strerror or error}",
                fix="choose another path, create the folder, or free some space; nothing was "
                "written",
            ) from error
        raise
    return target


def write_text_atomically(path: str | Path, text: str, *, mode: int | None = None) -> Path:
    """Write ``text`` (UTF-8) to ``path`` whole or not at all (see :func:`write_atomically`)."""
    return write_atomically(path, lambda file: file.write_text(text, encoding="utf-8"), mode=mode)
