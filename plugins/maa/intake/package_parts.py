"""What an .xlsx package holds, judged from its parts before openpyxl opens it.

A workbook is a zip of parts, each with a content type in `[Content_Types].xml` and relationships in
`*.rels` parts. Active content (macros, ActiveX, embedded objects), links to anything outside the file,
and sheets hidden from the person who sent it are found by content type, by the first bytes of every
part and by the relationships, not by part names alone: a macro project renamed `module1.bin` is still
an OLE compound file. Each finding is a sentence a coordinator can act on; none repeats text from the
file (a sheet is named by its position, never by its name).
"""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Iterator
from xml.etree import ElementTree

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
WORKBOOK_PART = "xl/workbook.xml"
WORKBOOK_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_CONTENT_TYPES = "[Content_Types].xml"
_TYPES_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_RELS_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_DOC_RELS_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_SAVE_AS_XLSX = "save it as an Excel Workbook (.xlsx) from the template you were sent"

# What the workbook part's content type says the file is, when it is not a plain workbook.
_OTHER_KINDS = {
    "macroenabled": f"a macro-enabled workbook (.xlsm): {_SAVE_AS_XLSX}",
    "template": f"an Excel template (.xltx), not a workbook: {_SAVE_AS_XLSX}",
    "addin": f"an Excel add-in, not a workbook: {_SAVE_AS_XLSX}",
}

# Active content, by a word of its content type or a folder of its part name, and what to tell the sender.
_MACROS = f"the workbook contains macros (.xlsm): {_SAVE_AS_XLSX}"
_ACTIVE_BY_TYPE = {
    "vbaproject": _MACROS,
    "vbadata": _MACROS,
    "macrosheet": f"the workbook contains an Excel 4 macro sheet: {_SAVE_AS_XLSX}",
    "activex": f"the workbook contains ActiveX controls (buttons or boxes that run code): {_SAVE_AS_XLSX}",
    "oleobject": "the workbook contains an embedded or linked object (a document or program inside it): "
                 "remove it, send the return on its own",
    "externallink": "the workbook links to other workbooks (external links): break the links "
                    "(Data, Edit Links, Break Link) or copy the values in as plain text",
    "connections": "the workbook has a data connection (to a database or a web page): remove it "
                   "(Data, Queries & Connections) and send plain values",
    "querytable": "the workbook has a data connection (to a database or a web page): remove it "
                  "(Data, Queries & Connections) and send plain values",
}
_ACTIVE_BY_FOLDER = {
    "xl/embeddings/": _ACTIVE_BY_TYPE["oleobject"],
    "xl/activex/": _ACTIVE_BY_TYPE["activex"],
    "xl/macrosheets/": _ACTIVE_BY_TYPE["macrosheet"],
    "xl/externallinks/": _ACTIVE_BY_TYPE["externallink"],
}
_OLE_FOUND = ("the workbook contains an embedded Office object or macro code (an OLE compound file inside it): "
              f"{_SAVE_AS_XLSX}")
_EXTERNAL_TARGET = ("the workbook refers to a file or web address outside it (an external link, picture or "
                    "object), which Excel would fetch on opening: remove it and send plain values")


def ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def findings(archive: zipfile.ZipFile) -> list[str]:
    """Every reason, in order of discovery and each once, that the package must not be opened."""
    found: dict[str, None] = {}
    names = [m.filename for m in archive.infolist() if not m.is_dir()]
    lowered = [n.lower() for n in names]
    if len(set(lowered)) != len(lowered):
        found["the workbook holds two parts of the same name: it is damaged or was made to mislead; "
              f"{_SAVE_AS_XLSX}"] = None
    by_lower = dict(zip(lowered, names, strict=True))
    if any(_declares_a_document_type(archive, name) for name in names if name.lower().endswith((".xml", ".rels"))):
        found["the workbook holds a document type declaration (DTD), which no Excel workbook has: "
              f"{_SAVE_AS_XLSX}"] = None
        return list(found)  # its XML is not parsed here at all
    if _CONTENT_TYPES.lower() not in by_lower:
        return [*found, f"the workbook has no list of its parts' types: it is damaged; {_SAVE_AS_XLSX}"]
    types = _content_types(archive.read(by_lower[_CONTENT_TYPES.lower()]))
    workbook_type = types.of(WORKBOOK_PART)
    if workbook_type != WORKBOOK_TYPE:
        kind = next((m for word, m in _OTHER_KINDS.items() if word in (workbook_type or "").lower()), None)
        found[kind or f"the file says it is not an Excel workbook: {_SAVE_AS_XLSX}"] = None
    for name in lowered:
        content_type = (types.of(name) or "").lower()
        found.update(dict.fromkeys(m for word, m in _ACTIVE_BY_TYPE.items() if word in content_type))
        found.update(dict.fromkeys(m for folder, m in _ACTIVE_BY_FOLDER.items() if name.startswith(folder)))
        if name.endswith("vbaproject.bin"):
            found[_MACROS] = None
    if any(_starts_as_ole(archive, name) for name in names):
        found[_OLE_FOUND] = None
    if any(_has_external_target(archive.read(name)) for name in names if name.lower().endswith(".rels")):
        found[_EXTERNAL_TARGET] = None
    found.update(dict.fromkeys(_sheet_findings(archive, by_lower)))
    return list(found)


class _ContentTypes:
    def __init__(self, defaults: dict[str, str], overrides: dict[str, str]):
        self.defaults, self.overrides = defaults, overrides

    def of(self, part: str) -> str | None:
        part = part.lower()
        return self.overrides.get(part) or self.defaults.get(posixpath.splitext(part)[1].lstrip("."))


def _content_types(xml: bytes) -> _ContentTypes:
    root = ElementTree.fromstring(xml)
    defaults = {e.get("Extension", "").lower(): e.get("ContentType", "") for e in root.iter(f"{_TYPES_NS}Default")}
    overrides = {e.get("PartName", "").lstrip("/").lower(): e.get("ContentType", "")
                 for e in root.iter(f"{_TYPES_NS}Override")}
    return _ContentTypes(defaults, overrides)


def _declares_a_document_type(archive: zipfile.ZipFile, name: str) -> bool:
    """A DTD can only come before the root element, so the first kilobytes tell."""
    with archive.open(name) as part:
        start = part.read(4096).upper()
    return b"<!DOCTYPE" in start or b"<!ENTITY" in start


def _starts_as_ole(archive: zipfile.ZipFile, name: str) -> bool:
    with archive.open(name) as part:
        return part.read(len(OLE_SIGNATURE)) == OLE_SIGNATURE


def _has_external_target(xml: bytes) -> bool:
    """Hyperlinks typed in cells (an email address Excel underlined) are kept: nothing fetches them."""
    return any(r.get("TargetMode", "").lower() == "external" and not r.get("Type", "").endswith("/hyperlink")
               for r in ElementTree.fromstring(xml).iter(f"{_RELS_NS}Relationship"))


def _sheet_findings(archive: zipfile.ZipFile, by_lower: dict[str, str]) -> Iterator[str]:
    """Sheets whose content is missing, and hidden sheets that hold any value."""
    targets: dict[str | None, str] = {}  # relationship id -> part name, lower case
    rels = by_lower.get("xl/_rels/workbook.xml.rels")
    if rels is not None:
        for relationship in ElementTree.fromstring(archive.read(rels)).iter(f"{_RELS_NS}Relationship"):
            target = relationship.get("Target", "")
            target_part = (target.lstrip("/") if target.startswith("/")
                           else posixpath.normpath(posixpath.join("xl", target)))
            targets[relationship.get("Id")] = target_part.lower()
    workbook = ElementTree.fromstring(archive.read(by_lower[WORKBOOK_PART]))
    for position, entry in enumerate(workbook.iter(f"{_MAIN_NS}sheet"), start=1):
        part = by_lower.get(targets.get(entry.get(f"{_DOC_RELS_NS}id"), ""))
        if part is None:
            yield (f"the workbook is damaged: its {ordinal(position)} sheet has no content in the file; "
                   f"{_SAVE_AS_XLSX}")
            continue
        state = entry.get("state", "visible")
        if state in ("hidden", "veryHidden") and _holds_a_value(archive, part):
            how = ("very hidden (a state only a program or macro sets, which Excel's menus cannot undo)"
                   if state == "veryHidden" else "hidden")
            yield (f"the workbook's {ordinal(position)} sheet is {how} and holds data: a return carries only "
                   "what its visible sheets show; delete that sheet, or copy your answers into a fresh template")


def _holds_a_value(archive: zipfile.ZipFile, part: str) -> bool:
    with archive.open(part) as stream:
        for _, element in ElementTree.iterparse(stream):
            if element.tag in (f"{_MAIN_NS}v", f"{_MAIN_NS}t", f"{_MAIN_NS}f") and (element.text or "").strip():
                return True
            element.clear()
    return False
