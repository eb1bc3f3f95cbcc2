"""The Transit Accompanying Document: the paper that travels with the goods once released.

It carries the MRN in clear and as a Code 128 barcode (the border officer scans it to call up
the anticipated record), the route, the parties, the items, the seals, the guarantee and the time
limit. Documents of movements made by the demo generator say SYNTHETIC across the top.
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from haiquan._files import write_atomically
from haiquan.errors import ConflictError
from haiquan.transit._code128 import code128_widths
from haiquan.transit._pdf import Page
from haiquan.transit.models import MovementPublic, Role, State
from haiquan.transit.reference import ActsReference, acts_reference
from haiquan.transit.service import TransitService
from haiquan.transit.store import movements

__all__ = ["movement_tad", "tad_pdf", "write_tad"]

_MODULE = 1.1  # points per barcode module: 18 characters fit in ~250 pt, scannable when printed


def _barcode(page: Page, x: float, y: float, text: str, height: float = 42) -> None:
    cursor = x
    for index, width in enumerate(code128_widths(text)):
        if index % 2 == 0:
            page.rect(cursor, y, width * _MODULE, height)
        cursor += width * _MODULE


def tad_pdf(movement: MovementPublic, declaration: dict[str, object],
            reference: ActsReference | None = None) -> bytes:
    """The TAD of a released movement as PDF bytes.

    Raises:
        ConflictError: the movement is not released yet (a TAD exists only after release).
    """
    if movement.role is not Role.DEPARTURE or movement.released_at is None:
        raise ConflictError(
            f"movement {movement.mrn} is {movement.state.value}: no accompanying document yet",
            expected="a movement released for transit at this office of departure",
            got=movement.state.value,
            fix=f"release it first (`haiquan transit release {movement.mrn}`)",
        )
    ref = reference or acts_reference()
    page = Page()
    top = page.height - 50
    if movement.synthetic:
        page.text(40, top + 18, "SYNTHETIC - demonstration data, not a real movement", 11,
                  bold=True)
    page.text(40, top, "TRANSIT ACCOMPANYING DOCUMENT - ASEAN Customs Transit System", 13,
              bold=True)
    page.text(40, top - 22, f"MRN {movement.mrn}", 16, bold=True)
    _barcode(page, 40, top - 80, movement.mrn)
    page.text(40, top - 94, movement.mrn, 9)
    y = top - 125

    def row(label: str, value: str) -> None:
        nonlocal y
        page.text(40, y, label, 9, bold=True)
        page.text(150, y, value[:80], 9)
        y -= 14

    def office(code: str) -> str:
        found = ref.offices.get(code)
        return f"{code} {found.name} ({found.country})" if found else code

    row("Released", movement.released_at.strftime("%Y-%m-%d %H:%M UTC"))
    row("Time limit", movement.time_limit.isoformat())
    row("Office of departure", office(movement.office_of_departure))
    for number, code in enumerate(movement.offices_of_transit, start=1):
        crossing = ref.crossing_into(code)
        row(f"Office of transit {number}", office(code))
        if crossing:
            row("  border crossing", crossing.name)
    row("Office of destination", office(movement.office_of_destination))
    for key in ("holder", "consignor", "consignee", "carrier"):
        party = declaration[key]
        assert isinstance(party, dict)
        row(key.capitalize(), f"{party['identification']} {party['name']} ({party['country']})")
    row("Vehicle", str(declaration["vehicle"]))
    seals = declaration.get("seals") or []
    assert isinstance(seals, list)
    row("Seals", f"{len(seals)}: " + ", ".join(seals) if seals else "none")
    row("Guarantee", f"{movement.guarantee_reference} - USD {movement.amount_engaged_usd:,.2f} "
        "engaged")
    y -= 6
    page.line(40, y + 4, page.width - 40, y + 4)
    columns = (40, 75, 140, 200, 290, 370)
    for x, title in zip(columns, ("Item", "HS code", "Packages", "Gross mass (kg)",
                                  "Value (USD)", "Description"), strict=True):
        page.text(x, y - 10, title, 9, bold=True)
    y -= 24
    items = declaration["items"]
    assert isinstance(items, list)
    for number, item in enumerate(items, start=1):
        if y < 60:
            page.text(40, y, f"... {len(items) - number + 1} more item(s) in the declaration",
                      9)
            break
        cells = (str(number), item["hs_code"], f"{item['packages']} {item['package_type']}",
                 f"{item['gross_mass_kg']:,.1f}", f"{item['value_usd']:,.2f}",
                 item["description"][:38])
        for x, cell in zip(columns, cells, strict=True):
            page.text(x, y, cell, 9)
        y -= 13
    page.text(40, 30, "State on printing: " + movement.state.value
              + ("" if movement.state is not State.RELEASED else " (released for transit)"), 8)
    return page.to_bytes(f"TAD {movement.mrn}")


def movement_tad(service: TransitService, mrn: str) -> bytes:
    """The TAD (PDF bytes) of a movement this administration departs."""
    movement = service.movement(mrn, Role.DEPARTURE)
    with service.store.read() as conn:
        text = conn.execute(select(movements.c.declaration).where(
            movements.c.mrn == movement.mrn, movements.c.role == "departure")).scalar_one()
    return tad_pdf(movement, json.loads(text), service.reference)


def write_tad(service: TransitService, mrn: str, path: Path) -> Path:
    """Write the TAD of a movement this administration departs to ``path`` (its folder is
    created when missing)."""
    data = movement_tad(service, mrn)
    path.parent.mkdir(parents=True, exist_ok=True)

    def write(temporary: Path) -> None:
        temporary.write_bytes(data)

    return write_atomically(path, write)
