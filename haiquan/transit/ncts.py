"""Trader-side transit messages checked against the NCTS XML Schemas (CC015C, CC007C ...).

ACTS was modelled on the EU's NCTS; the nearest public, machine-readable transit message
definitions are NCTS's (HMRC's copy, read in place from
``SHARED_DATA/exchange/ncts-p5-xsd-hmrc/xsd``, never copied into haiquan). The schemas are XSD 1.1
(``vc:minVersion="1.1"``): an XSD 1.0 processor skips every declaration in them and then refuses
any message as "not an element of the schema", so they are read with ``XMLSchema11``. Loading one
takes seconds (each includes the shared type libraries), so each message type's schema is loaded
once per process and per folder.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import xmlschema
from lxml import etree

from haiquan.errors import (
    ConfigurationError,
    PayloadTooLargeError,
    UnknownCodeError,
    ValidationError,
)

__all__ = ["MAX_MESSAGE_BYTES", "NctsCheck", "arrival_notification_mrn", "check_ncts_message",
           "ncts_message_types", "ncts_schema_dir"]

#: Largest message accepted for checking (a CC015C with 999 items stays well under it).
MAX_MESSAGE_BYTES = 8 * 1024 * 1024

_NAMESPACE = "http://ncts.dgtaxud.ec"
_TYPE = re.compile(r"^CC[0-9]{3}C$")


@dataclass(frozen=True)
class NctsCheck:
    """The outcome of checking one message: its type, and each problem with its XPath."""

    message_type: str
    problems: tuple[str, ...]

    @property
    def valid(self) -> bool:
        return not self.problems


def ncts_schema_dir(schema_dir: Path | None = None) -> Path:
    """The folder of the NCTS XSDs: the one given, else the shared data copy.

    Raises:
        ConfigurationError: the folder holds no ``cc015c.xsd``.
    """
    if schema_dir is None:
        from haiquan.settings import get_settings

        schema_dir = get_settings().shared_data / "exchange" / "ncts-p5-xsd-hmrc" / "xsd"
    if not (schema_dir / "cc015c.xsd").is_file():
        raise ConfigurationError(
            "the NCTS message schemas are not found",
            expected="a folder with cc015c.xsd, ctypes.xsd ... (HMRC's NCTS XSDs)",
            got=str(schema_dir),
            fix="set HAIQUAN_SHARED_DATA to the shared data folder holding "
            "exchange/ncts-p5-xsd-hmrc/xsd",
        )
    return schema_dir


def ncts_message_types(schema_dir: Path | None = None) -> list[str]:
    """The message types the schema folder defines, e.g. ``["CC004C", "CC007C", ...]``."""
    folder = ncts_schema_dir(schema_dir)
    return sorted(p.stem.upper() for p in folder.glob("cc*c.xsd"))


@cache
def _schema(folder: str, message_type: str) -> xmlschema.XMLSchema11:
    return xmlschema.XMLSchema11(str(Path(folder) / f"{message_type.lower()}.xsd"))


def _root_type(data: bytes) -> str:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise ValidationError(
            "the transit message is not well-formed XML",
            expected="an NCTS message, e.g. <ncts:CC015C xmlns:ncts=\"http://ncts.dgtaxud.ec\">",
            got=str(error),
            fix="send the message as UTF-8 XML text",
        ) from error
    qname = etree.QName(root)
    if qname.namespace != _NAMESPACE or not _TYPE.fullmatch(qname.localname):
        raise UnknownCodeError(
            "not an NCTS message",
            expected=f"a root element CCnnnC in the namespace {_NAMESPACE}",
            got=f"{{{qname.namespace}}}{qname.localname}",
            fix="send one of the NCTS messages (CC015C declaration, CC007C arrival ...)",
        )
    return qname.localname


def check_ncts_message(xml: str | bytes, *, schema_dir: Path | None = None) -> NctsCheck:
    """Check a message against the schema of its root element (CC015C -> cc015c.xsd).

    Returns every schema problem found (up to 20), each ``path: reason``; an empty list means
    the message is valid. Business rules of a national system (who may send to whom) are not
    in the schemas and are not checked here.

    Raises:
        PayloadTooLargeError: larger than :data:`MAX_MESSAGE_BYTES`.
        ValidationError: not well-formed XML.
        UnknownCodeError: not an NCTS message, or a type the schema folder does not define.
    """
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    if len(data) > MAX_MESSAGE_BYTES:
        raise PayloadTooLargeError(
            "the transit message is too large",
            expected=f"at most {MAX_MESSAGE_BYTES} bytes",
            got=f"{len(data)} bytes",
            fix="split the consignment over several declarations",
        )
    message_type = _root_type(data)
    folder = ncts_schema_dir(schema_dir)
    if not (folder / f"{message_type.lower()}.xsd").is_file():
        raise UnknownCodeError(
            f"no schema for {message_type}",
            expected="one of " + ", ".join(ncts_message_types(folder)),
            got=message_type,
            fix="send a message type the NCTS schema set defines",
        )
    schema = _schema(str(folder), message_type)
    problems = []
    for error in schema.iter_errors(io.BytesIO(data)):
        problems.append(f"{error.path}: {error.reason}")
        if len(problems) == 20:
            break
    return NctsCheck(message_type, tuple(problems))


def arrival_notification_mrn(xml: str | bytes, *, schema_dir: Path | None = None) -> str:
    """The MRN a trader's arrival notification (CC007C) names, once the message is valid.

    Raises:
        ValidationError: not a CC007C, or invalid against its schema (the problems listed).
    """
    check = check_ncts_message(xml, schema_dir=schema_dir)
    if check.message_type != "CC007C" or not check.valid:
        raise ValidationError(
            "not a valid arrival notification",
            expected="a CC007C message valid against cc007c.xsd",
            got=check.message_type if check.valid else "; ".join(check.problems[:5]),
            fix="correct the message as listed and present it again",
            details={"problems": list(check.problems)},
        )
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    return str(root.findtext("TransitOperation/MRN") or "").strip()
