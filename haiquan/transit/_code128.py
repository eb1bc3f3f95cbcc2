"""Code 128 (ISO/IEC 15417) subset B: the barcode NCTS prints the MRN in on the accompanying
document, so a border officer scans it instead of typing 18 characters.

The symbol table is the standard's: for each value 0-105, the widths (in modules) of its three
bars and three spaces, starting with a bar.
"""

from __future__ import annotations

__all__ = ["code128_widths"]

_WIDTHS = (
    "212222 222122 222221 121223 121322 131222 122213 122312 132212 221213 "
    "221312 231212 112232 122132 122231 113222 123122 123221 223211 221132 "
    "221231 213212 223112 312131 311222 321122 321221 312212 322112 322211 "
    "212123 212321 232121 111323 131123 131321 112313 132113 132311 211313 "
    "231113 231311 112133 112331 132131 113123 113321 133121 313121 211331 "
    "231131 213113 213311 213131 311123 311321 331121 312113 312311 332111 "
    "314111 221411 431111 111224 111422 121124 121421 141122 141221 112214 "
    "112412 122114 122411 142112 142211 241211 221114 413111 241112 134111 "
    "111242 121142 121241 114212 124112 124211 411212 421112 421211 212141 "
    "214121 412121 111143 111341 131141 114113 114311 411113 411311 113141 "
    "114131 311141 411131 211412 211214 211232 "
).split()

_START_B = 104
_STOP = "2331112"


def code128_widths(text: str) -> list[int]:
    """Bar and space widths (modules, bar first) encoding ``text`` in subset B.

    Start B, one symbol per character (value = code point - 32), the check symbol (start value
    plus each value times its position, modulo 103), then the stop pattern.

    >>> code128_widths("A")[:6]
    [2, 1, 1, 2, 1, 4]
    """
    values = []
    for char in text:
        code = ord(char) - 32
        if not 0 <= code <= 95:
            raise ValueError(f"{char!r} cannot be written in Code 128 subset B")
        values.append(code)
    check = (_START_B + sum(i * v for i, v in enumerate(values, start=1))) % 103
    symbols = [_WIDTHS[_START_B], *(_WIDTHS[v] for v in values), _WIDTHS[check], _STOP]
    return [int(width) for symbol in symbols for width in symbol]
