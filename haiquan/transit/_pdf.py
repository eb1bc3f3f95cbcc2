"""A one-page PDF of text lines and filled rectangles, written by hand.

The Transit Accompanying Document needs text and a barcode only; a PDF library would be a new
dependency for that (haiquan has none), while PDF 1.4 with the standard Helvetica font takes a
page of code. Text is Latin-1 (WinAnsi); other characters print as ``?``, so names are also kept
in the transit store in full.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Page"]


def _escape(text: str) -> str:
    data = text.encode("cp1252", errors="replace").decode("latin-1")
    return data.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


@dataclass
class Page:
    """An A4 page (595 x 842 points, origin bottom left) being drawn."""

    width: float = 595.0
    height: float = 842.0
    _ops: list[str] = field(default_factory=list)

    def text(self, x: float, y: float, text: str, size: float = 10, bold: bool = False) -> None:
        font = "F2" if bold else "F1"
        self._ops.append(f"BT /{font} {size:g} Tf {x:.2f} {y:.2f} Td ({_escape(text)}) Tj ET")

    def rect(self, x: float, y: float, w: float, h: float, fill: bool = True) -> None:
        self._ops.append(f"{x:.3f} {y:.3f} {w:.3f} {h:.3f} re {'f' if fill else 'S'}")

    def line(self, x1: float, y1: float, x2: float, y2: float) -> None:
        self._ops.append(f"{x1:.2f} {y1:.2f} m {x2:.2f} {y2:.2f} l S")

    def to_bytes(self, title: str) -> bytes:
        content = "\n".join(self._ops).encode("latin-1")
        objects = [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            (f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {self.width:g} {self.height:g}] "
             "/Resources << /Font << /F1 4 0 R /F2 5 0 R >> >> /Contents 6 0 R >>").encode(),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
            b"/Encoding /WinAnsiEncoding >>",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold "
            b"/Encoding /WinAnsiEncoding >>",
            b"<< /Length " + str(len(content)).encode() + b" >>\nstream\n" + content
            + b"\nendstream",
            f"<< /Title ({_escape(title)}) /Producer (haiquan) >>".encode("latin-1"),
        ]
        out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for number, body in enumerate(objects, start=1):
            offsets.append(len(out))
            out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
        xref = len(out)
        out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
        for offset in offsets:
            out += f"{offset:010d} 00000 n \n".encode()
        out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info {len(objects)} 0 R >>"
                f"\nstartxref\n{xref}\n%%EOF\n").encode()
        return bytes(out)
