"""Reading a day's declarations file in chunks, for scoring a peak day within memory.

:func:`~haiquan.declarations.read_declarations` reads a file whole, and pandas gives every
text cell of it its own string object: a peak day's file held that way takes gigabytes, though it
repeats few importers, offices and HS codes. Here the file is read and validated a chunk at a
time, and each text column's values are shared between the rows that repeat them, so the
frame holds one string per distinct value plus one pointer per cell.

The frame is the one ``read_declarations`` returns (same columns, types and values). A file
with a bad value, or the same goods item on two rows of different chunks, is read again whole
by ``read_declarations``, whose error numbers the bad rows as in the file.
"""

from __future__ import annotations

import ctypes
import gc
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from haiquan.declarations import Layout, normalise_declarations, read_declarations
from haiquan.errors import DataFileError

__all__ = [
    "READ_CHUNK",
    "read_day",
    "release_freed_memory",
    "return_large_arrays_to_the_system",
]

#: Rows read and validated at once.
READ_CHUNK = 200_000


def read_day(
    path: str | Path, layout: Layout = "kcs", chunk_rows: int = READ_CHUNK
) -> pd.DataFrame:
    """The declarations of ``path`` as :func:`~haiquan.declarations.read_declarations` reads
    them, read ``chunk_rows`` rows at a time with repeated text stored once.

    Raises:
        DataFileError: as ``read_declarations``.
    """
    file = Path(path)
    if not file.is_file():
        return read_declarations(file, layout=layout)  # raises its "not found" error
    return_large_arrays_to_the_system()
    shared: dict[str, dict[Any, Any]] = {}
    chunks: list[pd.DataFrame] = []
    id_chunks: list[np.ndarray] = []
    try:
        reader = pd.read_csv(
            file,
            dtype=str,
            keep_default_na=False,
            encoding="utf-8",
            chunksize=max(int(chunk_rows), 1),
        )
        with reader:
            for raw in reader:
                chunk = normalise_declarations(raw, layout=layout, source=str(file))
                del raw
                id_chunks.append(chunk.pop("declaration_id").to_numpy().astype(str))
                chunks.append(_share_text(chunk, shared))
                # validating a chunk leaves reference cycles holding its raw strings: free
                # them before the next chunk, not at the collector's leisure
                gc.collect()
    except (DataFileError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError):
        return read_declarations(file, layout=layout)  # the error, rows numbered in the file
    if not chunks:
        return read_declarations(file, layout=layout)
    # declaration ids were held as fixed-width text while the chunks' strings came and went:
    # made Python strings only now, they do not pin the memory of the freed ones
    ids = np.concatenate(id_chunks)
    del id_chunks
    frame = pd.concat(chunks, ignore_index=True) if len(chunks) > 1 else chunks[0]
    del chunks
    frame.insert(0, "declaration_id", ids.astype(object))
    del ids
    if frame.duplicated(["declaration_id", "item_number"]).any():
        return read_declarations(file, layout=layout)  # raises, naming the repeated rows
    release_freed_memory()
    return frame


def return_large_arrays_to_the_system() -> None:
    """Have glibc map every array of 1 MiB or more on its own, and unmap it when freed.

    By default glibc raises that threshold each time such an array is freed (up to 32 MiB), so a
    peak day's column-sized temporaries (16 MiB for 2,000,000 rows) come to live in the heap,
    where a freed one can stay counted in the process's memory. Elsewhere than glibc this does
    nothing.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return
    libc.mallopt(_M_MMAP_THRESHOLD, 1 << 20)


#: glibc's mallopt parameter number of the mmap threshold (malloc.h).
_M_MMAP_THRESHOLD = -3


def release_freed_memory() -> None:
    """Give memory freed by the chunks back to the system.

    glibc's allocator keeps freed small blocks (the chunks' strings) for reuse, and the arrays of
    the scoring that follows are too large to reuse them: without this they would only add to
    the peak. Elsewhere than glibc this does nothing.
    """
    gc.collect()
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return
    libc.malloc_trim(0)


def _share_text(frame: pd.DataFrame, shared: dict[str, dict[Any, Any]]) -> pd.DataFrame:
    """``frame`` with each text column's equal values as one object, shared across chunks."""
    for name in frame.columns:
        if frame[name].dtype != object:
            continue
        values = frame[name].to_numpy()
        codes, uniques = pd.factorize(values)
        if not len(uniques):
            continue
        seen = shared.setdefault(name, {})
        one = np.array([seen.setdefault(v, v) for v in uniques.tolist()], dtype=object)
        out = values.copy()  # missing values (code -1) stay as they came
        present = codes >= 0
        out[present] = one[codes[present]]
        frame[name] = out
    return frame
