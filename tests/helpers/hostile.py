"""A corpus of hostile and damaged input, made by code from good files, each with the exact outcome expected.

Three kinds, for the three checks files go through: workbooks damaged or carrying active content (any
workbook reader: returns, action updates), narrative that identifies a nominated child however it is
disguised (returns and updates), and PAA extract codes that carry a person's details. An expected
outcome is the list of reasons the check gives; an empty list means the file is accepted (the
controls, which show a check does not refuse too much).
"""

from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from openpyxl import load_workbook

from tests.helpers.nominations import DISTINCTIVE_NAME, DISTINCTIVE_SYSTEM_ID

CHILD_BIRTH_DATE = date(2016, 2, 29)
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
SAVE_AS_XLSX = "save it as an Excel Workbook (.xlsx) from the template you were sent"
SAVE_AGAIN = "open it in Excel and save it again as .xlsx"
NOT_XLSX = "not an Excel workbook (.xlsx): use the template you were sent"
MACROS = f"the workbook contains macros (.xlsm): {SAVE_AS_XLSX}"
OLE_INSIDE = ("the workbook contains an embedded Office object or macro code (an OLE compound file inside it): "
              f"{SAVE_AS_XLSX}")
EMBEDDED = ("the workbook contains an embedded or linked object (a document or program inside it): remove it, "
            "send the return on its own")
EXTERNAL_LINKS = ("the workbook links to other workbooks (external links): break the links (Data, Edit Links, "
                  "Break Link) or copy the values in as plain text")
EXTERNAL_TARGET = ("the workbook refers to a file or web address outside it (an external link, picture or "
                   "object), which Excel would fetch on opening: remove it and send plain values")
TYPES = "[Content_Types].xml"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


@dataclass(frozen=True)
class Reader:
    """A good workbook of one kind and where its data sheet is, so that damage lands in the sheet read."""

    good: bytes
    sheet: str  # the data sheet's name, as reasons give it
    part: str  # its part in the zip
    position: int  # its place among the sheets
    sheets: int  # how many sheets the good workbook has


@dataclass(frozen=True)
class Case:
    name: str
    data: bytes
    reasons: list[str]  # exactly what the check says; [] for a file it accepts


# Changing a package part by part -------------------------------------------------------------------

def repack(data: bytes, change: Callable[[str, bytes], bytes | None] = lambda _, c: c,
           add: dict[str, bytes] | None = None, method: int = zipfile.ZIP_DEFLATED) -> bytes:
    """The package with each part passed through `change` (None drops it) and `add`ed parts appended."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w", method) as target:
        for member in source.infolist():
            content = change(member.filename, source.read(member))
            if content is not None:
                target.writestr(member.filename, content)
        with warnings.catch_warnings():  # a duplicate name is one of the cases
            warnings.simplefilter("ignore", UserWarning)
            for name, content in (add or {}).items():
                target.writestr(name.split("#")[0], content)
    return buffer.getvalue()


def typed(data: bytes, parts: dict[str, bytes], content_types: dict[str, str]) -> bytes:
    """`parts` added, each with its content type declared in [Content_Types].xml (as Excel declares them)."""
    def declare(name: str, content: bytes) -> bytes:
        if name != TYPES:
            return content
        overrides = "".join(f'<Override PartName="/{part}" ContentType="{kind}"/>' for part, kind in
                            content_types.items())
        return content.replace(b"</Types>", overrides.encode() + b"</Types>")
    return repack(data, declare, parts)


def retyped_workbook(data: bytes, content_type: str) -> bytes:
    main = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
    return repack(data, lambda name, c: c.replace(main.encode(), content_type.encode()) if name == TYPES else c)


def related(data: bytes, rels_part: str, relationship: str) -> bytes:
    """A relationship added to (or a rels part made for) `rels_part`."""
    head = '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        existing = archive.read(rels_part).decode() if rels_part in archive.namelist() else head + "</Relationships>"
    content = existing.replace("</Relationships>", relationship + "</Relationships>").encode()
    return repack(data, lambda name, c: None if name == rels_part else c, {rels_part: content})


def with_extra_sheet(data: bytes, state: str, value: str | None) -> bytes:
    workbook = load_workbook(io.BytesIO(data))
    extra = workbook.create_sheet("Working")
    extra.sheet_state = state
    if value is not None:
        extra["C7"] = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def broken_after_first_row(xml: bytes) -> bytes:
    """The sheet's XML cut off in the middle of its second row's tag."""
    end_of_first = xml.index(b"</row>") + len(b"</row>")
    return xml[:end_of_first] + b'<row r="2"><c r="A2" t="inlineStr"><is><t>C-01</t></is></c'


def with_second_row(xml: bytes, cell: bytes) -> bytes:
    """The sheet with its second row replaced by one holding `cell`."""
    return re.sub(rb'<row r="2".*?</row>', b'<row r="2">' + cell + b"</row>", xml, count=1, flags=re.DOTALL)


def sizes(data: bytes) -> tuple[int, int]:
    """(expanded, packed) bytes as the zip directory declares them."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = archive.infolist()
        return sum(m.file_size for m in members), sum(m.compress_size for m in members)


def _distinct_strings(size: int) -> bytes:
    items, total, number = [], 0, 0
    while total < size:
        item = f"<si><t>{number * 7919 % 1000003:07d}</t></si>"
        items.append(item)
        total, number = total + len(item), number + 1
    return (f'<sst xmlns="{MAIN_NS}">' + "".join(items) + "</sst>").encode()


# Workbooks ------------------------------------------------------------------------------------------

def workbook_cases(reader: Reader) -> list[Case]:
    """Damaged workbooks and workbooks with active content, for any reader: its reasons never depend on
    what the workbook is for, except for the sheet they name."""
    good, sheet, part = reader.good, reader.sheet, reader.part
    bomb = repack(good, add={"xl/media/image1.png": b"\x00" * (16 << 20)})
    bomb_expanded, bomb_packed = sizes(bomb)
    many = repack(good, add={f"customXml/item{n}.xml": b"<a/>" for n in range(600)})
    strings = _distinct_strings(21 << 20)
    hyperlink = ('<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                 'relationships/hyperlink" Target="mailto:sam.officer@agency.example.org" TargetMode="External"/>')
    web_picture = ('<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                   'relationships/image" Target="https://tracker.example.com/pixel.png" TargetMode="External"/>')
    linked_file = ('<Relationship Id="rId8" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                   'relationships/oleObject" Target="file:///C:/cases/children.xlsx" TargetMode="External"/>')
    sheet_rels = part.replace("worksheets/", "worksheets/_rels/") + ".rels"
    ordinal = {1: "1st", 2: "2nd", 3: "3rd"}
    extra = ordinal[reader.sheets + 1]
    damaged_from_row_2 = [f"sheet {sheet}, row 2: the sheet is damaged from this row on (its XML cannot be read): "
                          f"{SAVE_AGAIN}"]
    return [
        # Damaged containers
        Case("empty file", b"", ["the file is empty"]),
        Case("only whitespace", b"\r\n \t\x00", ["the file is empty"]),
        Case("truncated zip (half the file)", good[: len(good) // 2], [NOT_XLSX]),
        Case("truncated zip (first 2000 bytes)", good[:2000], [NOT_XLSX]),
        Case("a CSV named .xlsx", b"case_ref,grade\nC-01,Good\n", [NOT_XLSX]),
        Case("encrypted or .xls (OLE file)", OLE + b"\x00" * 1024,
             ["the workbook is encrypted (password-protected) or an old .xls file: save it as an .xlsx workbook "
              "without a password"]),
        Case("a zip without a workbook part", repack(good, lambda n, c: None if n == "xl/workbook.xml" else c),
             [NOT_XLSX]),
        Case("a part whose bytes fail their checksum", _corrupted_member(good, part),
             [f"the workbook is damaged (its zip structure cannot be read): {SAVE_AGAIN}"]),
        Case("larger than 10 MiB", good + b"\x00" * (10 << 20),
             [f"the file is {(len(good) + (10 << 20)) // 1024} KiB; the limit is 10 MiB"]),
        Case("zip bomb (compression ratio)", bomb,
             [f"the workbook expands to {bomb_expanded >> 20} MiB from {bomb_packed // 1024} KiB: far larger than "
              "it can be"]),
        Case("600 parts", many, [f"the workbook holds {len(zipfile.ZipFile(io.BytesIO(many)).infolist())} parts: "
                                 "far more than it can"]),
        Case("huge shared-strings part", typed(good, {"xl/sharedStrings.xml": strings}, {
            "xl/sharedStrings.xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"}),
             [f"its text (shared strings) expands to {len(strings) >> 20} MiB: far larger than a workbook's can be"]),
        Case("two parts of the same name", repack(good, add={f"{part}#again": b"<worksheet/>"}),
             [f"the workbook holds two parts of the same name: it is damaged or was made to mislead; {SAVE_AS_XLSX}"]),
        Case("no [Content_Types].xml", repack(good, lambda n, c: None if n == TYPES else c),
             [f"the workbook has no list of its parts' types: it is damaged; {SAVE_AS_XLSX}"]),
        Case("[Content_Types].xml that is not XML", repack(good, lambda n, c: c[:40] if n == TYPES else c),
             [f"the workbook is damaged (its XML cannot be read): {SAVE_AGAIN}"]),
        Case("workbook typed as a Word document", retyped_workbook(
            good, "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
             [f"the file says it is not an Excel workbook: {SAVE_AS_XLSX}"]),
        Case("workbook typed as macro-enabled (.xlsm)", retyped_workbook(
            good, "application/vnd.ms-excel.sheet.macroEnabled.main+xml"),
             [f"a macro-enabled workbook (.xlsm): {SAVE_AS_XLSX}"]),
        Case("a DTD with entity expansion (billion laughs) in the sheet", repack(
            good, lambda n, c: b'<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;'
                               b'&lol;&lol;">]>' + c if n == part else c),
             [f"the workbook holds a document type declaration (DTD), which no Excel workbook has: {SAVE_AS_XLSX}"]),
        # Damaged sheets: openpyxl fails only once it reads them
        Case("sheet XML cut off in its second row", repack(good, lambda n, c: broken_after_first_row(c) if n == part
                                                           else c), damaged_from_row_2),
        Case("sheet part missing", repack(good, lambda n, c: None if n == part else c),
             [f"the workbook is damaged: its {ordinal[reader.position]} sheet has no content in the file; "
              f"{SAVE_AS_XLSX}"]),
        Case("a number cell holding text", repack(good, lambda n, c: with_second_row(
            c, b'<c r="A2" t="n"><v>not a number</v></c>') if n == part else c),
             [f"sheet {sheet}, row 2: the sheet is damaged from this row on (a value in it cannot be read): "
              f"{SAVE_AGAIN}"]),
        Case("a shared string that does not exist", repack(good, lambda n, c: with_second_row(
            c, b'<c r="A2" t="s"><v>4000</v></c>') if n == part else c),
             [f"sheet {sheet}, row 2: the sheet is damaged from this row on (it refers to a text or part that is "
              f"not there): {SAVE_AGAIN}"]),
        # Active content, found by content type and by content, not by name
        Case("vbaProject.bin", repack(good, add={"xl/vbaProject.bin": OLE + b"\x00" * 56}), [MACROS, OLE_INSIDE]),
        Case("macro project renamed xl/macros/module1.bin",
             repack(good, add={"xl/macros/module1.bin": OLE + b"\x01" * 64}), [OLE_INSIDE]),
        Case("VBA project by content type only", typed(good, {"xl/data/blob.dat": b"\x00" * 64},
                                                       {"xl/data/blob.dat": "application/vnd.ms-office.vbaProject"}),
             [MACROS]),
        Case("Excel 4 macro sheet", typed(good, {"xl/macrosheets/sheet1.xml": b"<xm:macrosheet/>"},
                                          {"xl/macrosheets/sheet1.xml": "application/vnd.ms-excel.macrosheet+xml"}),
             [f"the workbook contains an Excel 4 macro sheet: {SAVE_AS_XLSX}"]),
        Case("ActiveX control", typed(good, {"xl/activeX/activeX1.xml": b"<ax:ocx/>"},
                                      {"xl/activeX/activeX1.xml": "application/vnd.ms-office.activeX+xml"}),
             [f"the workbook contains ActiveX controls (buttons or boxes that run code): {SAVE_AS_XLSX}"]),
        Case("OLE object", typed(good, {"xl/embeddings/oleObject1.bin": OLE + b"\x00" * 64},
                                 {"xl/embeddings/oleObject1.bin":
                                  "application/vnd.openxmlformats-officedocument.oleObject"}),
             [EMBEDDED, OLE_INSIDE]),
        Case("embedded Word document", repack(good, add={"xl/embeddings/Microsoft_Word_Document.docx": good}),
             [EMBEDDED]),
        Case("OLE bytes under a picture's name", repack(good, add={"xl/media/image1.png": OLE + b"\x00" * 64}),
             [OLE_INSIDE]),
        Case("external link part", typed(good, {"xl/externalLinks/externalLink1.xml": b"<externalLink/>"},
                                         {"xl/externalLinks/externalLink1.xml": "application/vnd.openxmlformats-"
                                          "officedocument.spreadsheetml.externalLink+xml"}), [EXTERNAL_LINKS]),
        Case("relationship to a file outside (TargetMode External)", related(good, sheet_rels, linked_file),
             [EXTERNAL_TARGET]),
        Case("picture fetched from the web", related(good, "xl/drawings/_rels/drawing1.xml.rels", web_picture),
             [EXTERNAL_TARGET]),
        Case("data connection", typed(good, {"xl/connections.xml": b"<connections/>"}, {
            "xl/connections.xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.connections+xml"}),
             ["the workbook has a data connection (to a database or a web page): remove it (Data, Queries & "
              "Connections) and send plain values"]),
        Case("hidden sheet holding data", with_extra_sheet(good, "hidden", "anything"),
             [f"the workbook's {extra} sheet is hidden and holds data: a return carries only what its visible "
              "sheets show; delete that sheet, or copy your answers into a fresh template"]),
        Case("very hidden sheet holding data", with_extra_sheet(good, "veryHidden", DISTINCTIVE_NAME),
             [f"the workbook's {extra} sheet is very hidden (a state only a program or macro sets, which Excel's "
              "menus cannot undo) and holds data: a return carries only what its visible sheets show; delete that "
              "sheet, or copy your answers into a fresh template"]),
        # Controls: what looks alike but is harmless is accepted
        Case("control: hidden sheet left empty", with_extra_sheet(good, "hidden", None), []),
        Case("control: a cell's email hyperlink", related(good, sheet_rels, hyperlink), []),
        Case("control: stored without compression", repack(good, method=zipfile.ZIP_STORED), []),
    ]


def _corrupted_member(data: bytes, part: str) -> bytes:
    """One byte of `part`'s compressed data flipped: the zip directory is intact, the part is not."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(part)
    header = info.header_offset
    name_length, extra_length = int.from_bytes(data[header + 26:header + 28], "little"), \
        int.from_bytes(data[header + 28:header + 30], "little")
    start = header + 30 + name_length + extra_length + info.compress_size // 2
    return data[:start] + bytes([data[start] ^ 0xFF]) + data[start + 1:]


# Narrative that identifies a nominated child -------------------------------------------------------

NAMES_A_CHILD = "names a nominated child: refer to children by case ref only"
GIVES_BIRTH_DATE = "gives a nominated child's date of birth: refer to children by case ref only"
GIVES_POSTCODE = "gives a postcode: write no address (name the area if it matters)"
_FORENAME, _SURNAME = DISTINCTIVE_NAME.split()
_CYRILLIC = str.maketrans("aeopcyxAEOPCX", "аеорсухАЕОРСХ")

NARRATIVES = [  # (what it is, the text, the reason it gets, or None for a control that passes)
    ("full name", f"Visited {DISTINCTIVE_NAME} at home.", NAMES_A_CHILD),
    ("full name in lower case", f"visited {DISTINCTIVE_NAME.lower()} at home.", NAMES_A_CHILD),
    ("zero-width space inside the surname", f"Visited {_FORENAME} {_SURNAME[:4]}\u200b{_SURNAME[4:]}.",
     NAMES_A_CHILD),
    ("zero-width joiner and soft hyphen", f"Saw {_FORENAME[:3]}\u200d{_FORENAME[3:]}\u00ad at school.", NAMES_A_CHILD),
    ("Cyrillic look-alikes in the forename", f"{_FORENAME.translate(_CYRILLIC)} was seen alone.", NAMES_A_CHILD),
    ("Cyrillic look-alikes in the whole name, lower case",
     f"spoke with {DISTINCTIVE_NAME.lower().translate(_CYRILLIC)} today", NAMES_A_CHILD),
    ("full-width letters", "Met " + "".join(chr(ord(c) + 0xFEE0) for c in _SURNAME) + " twice.", NAMES_A_CHILD),
    ("forename in capitals", f"{_FORENAME.upper()} moved school.", NAMES_A_CHILD),
    ("name without its space", f"Ref {_FORENAME}{_SURNAME}.", NAMES_A_CHILD),
    ("name across a non-breaking space", f"{_FORENAME}\u00a0{_SURNAME} said little.", NAMES_A_CHILD),
    ("system id as written", f"See {DISTINCTIVE_SYSTEM_ID}.", NAMES_A_CHILD),
    ("system id with spaces", "See " + " ".join(DISTINCTIVE_SYSTEM_ID.replace("-", "")) + " on file.", NAMES_A_CHILD),
    ("system id with dots, lower case", "id " + ".".join(DISTINCTIVE_SYSTEM_ID.lower().split("-")), NAMES_A_CHILD),
    ("system id with slashes and Cyrillic letters", "ref " + DISTINCTIVE_SYSTEM_ID.replace("-", "/").translate(
        str.maketrans("X", "Х")), NAMES_A_CHILD),
    ("date of birth, ISO", "Born 2016-02-29, seen weekly.", GIVES_BIRTH_DATE),
    ("date of birth, dd/mm/yyyy", "DOB 29/02/2016.", GIVES_BIRTH_DATE),
    ("date of birth, d.m.yyyy", "born 29.2.2016", GIVES_BIRTH_DATE),
    ("date of birth, mm/dd/yyyy", "born 02/29/2016", GIVES_BIRTH_DATE),
    ("date of birth, day month year", "born on 29 February 2016", GIVES_BIRTH_DATE),
    ("date of birth, ordinal day", "born the 29th of February 2016", GIVES_BIRTH_DATE),
    ("date of birth, short month and year", "born 29 Feb 16", GIVES_BIRTH_DATE),
    ("date of birth, month day, year", "born February 29, 2016", GIVES_BIRTH_DATE),
    ("date of birth, dd-mm-yy", "born 29-02-16", GIVES_BIRTH_DATE),
    ("date of birth in full-width digits", "born ２０１６-０２-２９", GIVES_BIRTH_DATE),
    ("postcode", "Moved to GL1 2AB in May.", GIVES_POSTCODE),
    ("postcode in lower case without its space", "moved to gl12ab", GIVES_POSTCODE),
    ("London postcode", "Lives near SW1A 1AA.", GIVES_POSTCODE),
    ("control: a word that is part of a name", "Agencies shared information well.", None),
    ("control: another date", "Strategy discussion held 2026-03-04; review on 4 March 2026.", None),
    ("control: an ordinal after a room", "Met in room B2 2nd floor.", None),
    ("control: a case ref", "C-01 was discussed at the core group.", None),
]


def narrative_cases(with_text: Callable[[str], bytes], where: str) -> list[Case]:
    """Each narrative written into one cell (`with_text` makes the file); `where` is how reasons name it."""
    return [Case(name, with_text(text), [f"{where}: {reason}"] if reason else []) for name, text, reason in NARRATIVES]


# PAA extracts: codes that carry a person's details --------------------------------------------------

LOOKS_LIKE_A_NAME = ("looks like a person's name (capitalised words a category does not use): a category or outcome "
                     "is a code-list entry; if this is not a name, write it in sentence case, for example 'Domestic "
                     "abuse'")
HOLDS_A_DATE = ("holds a date (a date of birth?): a category or outcome never carries one; the event's date goes in "
                "the date column")
HOLDS_A_POSTCODE = "holds a postcode: a category or outcome never carries an address"
HOLDS_AN_ID = ("holds what looks like an id (six or more letters and digits, four of them digits): a category or "
               "outcome never carries a person's system id or NHS number")

CODES = [  # (what it is, the category, the outcome, the column refused and why, or None)
    ("name in the category", DISTINCTIVE_NAME, "Referred", ("category", LOOKS_LIKE_A_NAME)),
    ("surname first, comma", f"{_SURNAME}, {_FORENAME}", "Referred", ("category", LOOKS_LIKE_A_NAME)),
    ("surname in capitals", f"{_FORENAME} {_SURNAME.upper()}", "Referred", ("category", LOOKS_LIKE_A_NAME)),
    ("a title and a surname", f"Miss {_SURNAME}", "Referred", ("category", LOOKS_LIKE_A_NAME)),
    ("Cyrillic look-alikes in a name", DISTINCTIVE_NAME.translate(_CYRILLIC), "Referred",
     ("category", LOOKS_LIKE_A_NAME)),
    ("zero-width space in a name", f"{_FORENAME}\u200b {_SURNAME}", "Referred", ("category", LOOKS_LIKE_A_NAME)),
    ("name in the outcome", "Police", DISTINCTIVE_NAME, ("outcome", LOOKS_LIKE_A_NAME)),
    ("date of birth in the outcome", "Police", "2016-02-29", ("outcome", HOLDS_A_DATE)),
    ("date of birth, UK style, in the category", "29/02/2016", "Referred", ("category", HOLDS_A_DATE)),
    ("date of birth in words", "born 29 Feb 2016", "Referred", ("category", HOLDS_A_DATE)),
    ("postcode", "GL1 2AB", "Referred", ("category", HOLDS_A_POSTCODE)),
    ("system id", DISTINCTIVE_SYSTEM_ID, "Referred", ("category", HOLDS_AN_ID)),
    ("NHS number with spaces", "943 476 5919", "Referred", ("category", HOLDS_AN_ID)),
    ("control: a two-word category", "Domestic Abuse", "No further action", None),
    ("control: sentence case", "High risk", "Advice given", None),
    ("control: a section number", "Section 47", "Referred", None),
    ("control: codes in capitals", "MARAC NFA", "", None),
    ("control: a code-list phrase in title case", "Child Protection Plan", "Referred", None),
]


def extract_cases() -> list[Case]:
    """contacts.csv extracts with one event row of each code (row 2)."""
    cases = []
    for name, category, outcome, refused in CODES:
        text = io.StringIO()
        csv.writer(text, lineterminator="\n").writerows([("date", "category", "outcome"), ("2025-05-01", category,
                                                                                          outcome)])
        data = text.getvalue().encode()
        reasons = [f"contacts.csv: row 2, column {refused[0]}: {refused[1]}"] if refused else []
        cases.append(Case(name, data, reasons))
    return cases
