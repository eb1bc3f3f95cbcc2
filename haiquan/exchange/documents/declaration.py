"""Declaration data as WCO Data Model 3.6 XML, validated against the WCO DM XSDs.

The XSDs are the public HMRC CDS customisation of WCO DM 3.6 (the closest public stand-in for
ASEAN's ACDD, whose XSDs are not published). They are read in place from the folder named by the
``gateway_wco_schema_dir`` setting (by default ``SHARED_DATA/exchange/wco-dm-3.6-hmrc-cds/schemas``)
and never copied into this package. A payload is either a ``md:MetaData`` wrapper holding a
``Declaration`` or a bare ``Declaration`` (namespace ``urn:wco:datamodel:WCO:DEC-DMS:2``).

Partner XML is parsed without DTDs, entities or network access, so a hostile payload cannot read
files or fetch URLs (XXE) or expand entities without bound.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from lxml import etree

from haiquan.errors import ConfigurationError, ValidationError
from haiquan.exchange.documents._base import DocumentContext, DocumentType

__all__ = ["DECLARATION", "WcoDeclarationType", "default_wco_schema_dir", "wco_schema"]

METADATA_NS = "urn:wco:datamodel:WCO:DocumentMetaData-DMS:2"
DEC_NS = "urn:wco:datamodel:WCO:DEC-DMS:2"
_ROOTS = {f"{{{METADATA_NS}}}MetaData", f"{{{DEC_NS}}}Declaration"}


def default_wco_schema_dir() -> Path:
    """The configured XSD folder (setting ``gateway_wco_schema_dir``, else in shared data)."""
    from haiquan.settings import get_settings

    settings = get_settings()
    return settings.gateway_wco_schema_dir or (
        settings.shared_data / "exchange" / "wco-dm-3.6-hmrc-cds" / "schemas"
    )


@lru_cache(maxsize=4)
def wco_schema(schema_dir: Path) -> etree.XMLSchema:
    """Compile the DocumentMetaData + DEC schemas of ``schema_dir`` together (once per folder).

    The MetaData wrapper holds the Declaration through ``xs:any processContents="strict"``, so
    both schemas must be loaded in one schema set; a small in-memory bundle imports them.
    """
    declaration = schema_dir / "declaration"
    files = [declaration / "DocumentMetaData_2_DMS.xsd", declaration / "WCO_DEC_2_DMS.xsd"]
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise ConfigurationError(
            "the WCO Data Model 3.6 schemas are not where the gateway looks for them",
            expected=f"{', '.join(f.name for f in files)} under {declaration}",
            got="missing: " + ", ".join(missing),
            fix="set HAIQUAN_GATEWAY_WCO_SCHEMA_DIR to the folder holding declaration/ "
            "(e.g. shared/data/exchange/wco-dm-3.6-hmrc-cds/schemas)",
        )
    bundle = (
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" '
        'targetNamespace="urn:haiquan:exchange:wco-bundle">'
        f'<xs:import namespace="{METADATA_NS}" schemaLocation="{files[0].resolve().as_uri()}"/>'
        f'<xs:import namespace="{DEC_NS}" schemaLocation="{files[1].resolve().as_uri()}"/>'
        "</xs:schema>"
    )
    return etree.XMLSchema(etree.fromstring(bundle.encode()))


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
        remove_comments=False,
    )


class WcoDeclarationType(DocumentType):
    """WCO DM 3.6 goods declaration (DEC) as XML."""

    name = "wco-declaration"
    version = "3.6"
    format: Literal["json", "xml"] = "xml"
    description = "Goods declaration data as WCO Data Model 3.6 XML (DEC, HMRC CDS XSDs)"

    def __init__(self, schema_dir: Path | None = None) -> None:
        self._schema_dir = schema_dir

    def serialise(self, document: Any) -> str:
        if isinstance(document, bytes):
            try:
                return document.decode("utf-8")
            except UnicodeDecodeError as error:
                raise ValidationError(
                    "the declaration XML is not UTF-8",
                    expected="UTF-8 encoded XML",
                    got=str(error),
                    fix="re-encode the file as UTF-8",
                ) from error
        if isinstance(document, str):
            return document
        if isinstance(document, etree._Element):
            return str(etree.tostring(document, encoding="unicode"))
        raise ValidationError(
            "a declaration is sent as XML text",
            expected="str, UTF-8 bytes or an lxml element",
            got=type(document).__name__,
        )

    def validate(self, payload: str, context: DocumentContext) -> Any:
        try:
            root = etree.fromstring(payload.encode("utf-8"), _parser())
        except etree.XMLSyntaxError as error:
            raise ValidationError(
                "the declaration payload is malformed XML",
                expected="well-formed XML",
                got=str(error),
                fix="send well-formed WCO DM XML",
            ) from error
        tree = root.getroottree()
        if tree.docinfo.doctype:
            raise ValidationError(
                "the declaration carries a DOCTYPE",
                expected="XML without a document type declaration (WCO DM uses XSD only)",
                got=tree.docinfo.doctype[:80],
                fix="remove the <!DOCTYPE ...> line",
            )
        encoding = (tree.docinfo.encoding or "UTF-8").upper()
        if encoding not in {"UTF-8", "UTF8"}:
            raise ValidationError(
                "the declaration must be UTF-8", expected="encoding UTF-8", got=encoding,
                fix="re-encode the XML as UTF-8 and fix its XML declaration",
            )
        if root.tag not in _ROOTS:
            raise ValidationError(
                "the payload is not a WCO DM declaration",
                expected="root md:MetaData or Declaration in " + DEC_NS,
                got=str(root.tag),
                fix="send a WCO DM 3.6 DEC message",
            )
        schema = wco_schema(self._schema_dir or default_wco_schema_dir())
        if not schema.validate(root):
            errors = list(schema.error_log)[:10]
            problems = [f"line {e.line}: {e.message}" for e in errors]
            raise ValidationError(
                f"the declaration is invalid against the WCO DM 3.6 XSDs "
                f"({len(schema.error_log)} error(s))",
                expected="XML valid against WCO_DEC_2_DMS.xsd",
                got="; ".join(problems[:3]),
                fix="correct the elements named",
                details={"problems": problems, "document_type": self.name},
            )
        return root


DECLARATION = WcoDeclarationType()
