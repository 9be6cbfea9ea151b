"""Hostile HR exports, built in memory: workbooks whose XML is written by hand (a lying
``<dimension>``, a million empty rows, a 100 MB cell, a zip bomb, a zip directory that lies)
and CSV files with a giant cell or millions of separators.

Used by the tests (``tests/people/test_hostile_files.py``) and by ``bench/hostile_uploads.py``.
The big parts are written to the zip a chunk at a time, so building a file never holds its
uncompressed content in memory.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from xml.sax.saxutils import escape

from openpyxl.utils import get_column_letter

from tests.people.conftest import HEADER, csv_bytes, person

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
SHEET = "xl/worksheets/sheet1.xml"
STRINGS = "xl/sharedStrings.xml"
MB = 1024 * 1024

_CONTENT_TYPES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/{SHEET}"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/{STRINGS}"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
</Types>"""
_ROOT_RELS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="{PACKAGE_RELS}">
<Relationship Id="rId1" Target="xl/workbook.xml"
 Type="{RELS}/officeDocument"/>
</Relationships>"""
_WORKBOOK = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="{MAIN}" xmlns:r="{RELS}">
<sheets><sheet name="Ansatte" sheetId="1" r:id="rId1"/></sheets>
</workbook>"""
_WORKBOOK_RELS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="{PACKAGE_RELS}">
<Relationship Id="rId1" Target="worksheets/sheet1.xml" Type="{RELS}/worksheet"/>
<Relationship Id="rId2" Target="sharedStrings.xml" Type="{RELS}/sharedStrings"/>
</Relationships>"""


def cell(column: int, row: int, text: str) -> str:
    """A cell holding ``text`` as an inline string."""
    return (
        f'<c r="{get_column_letter(column)}{row}" t="inlineStr"><is><t>{escape(text)}</t></is></c>'
    )


def row_xml(number: int, values: Sequence[str]) -> str:
    cells = "".join(cell(column, number, value) for column, value in enumerate(values, 1) if value)
    return f'<row r="{number}">{cells}</row>'


def people_rows(count: int = 1, first_row: int = 2) -> str:
    """The heading row and ``count`` valid people below it, as sheet XML."""
    rows = [row_xml(1, HEADER)]
    rows += [row_xml(first_row + index, person(f"H{index + 1}")) for index in range(count)]
    return "".join(rows)


def sheet(rows: Iterable[str | bytes], dimension: str | None = None) -> Iterator[bytes]:
    """The parts of a worksheet's XML: its opening, ``rows`` (any XML inside ``<sheetData>``)
    and its end."""
    yield b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    yield f'<worksheet xmlns="{MAIN}" xmlns:r="{RELS}">'.encode()
    if dimension is not None:
        yield f'<dimension ref="{dimension}"/>'.encode()
    yield b"<sheetData>"
    for part in rows:
        yield part.encode() if isinstance(part, str) else part
    yield b"</sheetData></worksheet>"


def shared_strings(parts: Iterable[bytes], count: int = 1) -> Iterator[bytes]:
    yield f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}" count="{count}" '.encode()
    yield f'uniqueCount="{count}">'.encode()
    yield from parts
    yield b"</sst>"


def workbook(sheet_parts: Iterable[bytes], strings: Iterable[bytes] | None = None) -> bytes:
    """An .xlsx holding one sheet (and a shared-string table, when given), each part
    written to the zip as it comes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        members = [(SHEET, sheet_parts)]
        members.append((STRINGS, strings if strings is not None else shared_strings([], 0)))
        for name, parts in members:
            with archive.open(name, "w", force_zip64=True) as member:
                for part in parts:
                    member.write(part)
    return buffer.getvalue()


def repeated(chunk: bytes, total: int) -> Iterator[bytes]:
    """``chunk`` repeated until ``total`` bytes, a megabyte at a time."""
    block = chunk * max(1, MB // len(chunk))
    left = total
    while left > 0:
        yield block[:left]
        left -= len(block)


def lie_about_size(content: bytes, name: str, declared: int) -> bytes:
    """The zip with the central directory claiming ``name`` unpacks to ``declared`` bytes,
    and the CRC made to match what that many bytes would be, so only the size lies."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        info = archive.getinfo(name)
        with archive.open(info) as member:
            prefix = member.read(declared)
        start = archive.start_dir  # where the central directory begins
    data = bytearray(content)
    while True:  # walk the central directory to the entry for ``name``
        name_length, extra_length, comment_length = struct.unpack_from("<HHH", data, start + 28)
        if data[start + 46 : start + 46 + name_length].decode() == name:
            break
        start = data.index(b"PK\x01\x02", start + 46 + name_length + extra_length + comment_length)
    struct.pack_into("<I", data, start + 16, zlib.crc32(prefix))
    (size,) = struct.unpack_from("<I", data, start + 24)
    if size != 0xFFFFFFFF:
        struct.pack_into("<I", data, start + 24, declared)
        return bytes(data)
    # Over 4 GB, the uncompressed size is the first field of the zip64 extra field (0x0001).
    extra = start + 46 + name_length
    while extra < start + 46 + name_length + extra_length:
        kind, length = struct.unpack_from("<HH", data, extra)
        if kind == 1:
            struct.pack_into("<Q", data, extra + 4, declared)
        extra += 4 + length
    return bytes(data)


# -- the hostile workbooks ----------------------------------------------------------------


def lying_dimension(rows: int = 2000) -> bytes:
    """One person, in a sheet that declares itself 16,384 columns wide and ``rows`` deep,
    with an empty last row (as a spreadsheet writes a formatted one)."""
    return workbook(sheet([people_rows(), f'<row r="{rows}"/>'], dimension=f"A1:XFD{rows}"))


def short_dimension(people: int = 3) -> bytes:
    """``people`` people, in a sheet that declares only its heading row and one more."""
    return workbook(sheet([people_rows(people)], dimension="A1:H2"))


def empty_rows(count: int = 1_000_000) -> bytes:
    """The heading, ``count`` empty rows, then a person."""
    rows = (f'<row r="{number}"/>' for number in range(2, count + 2))
    last = row_xml(count + 2, person("H1"))
    return workbook(sheet([people_rows(0), *rows, last]))


def far_row(number: int = 1_048_576) -> bytes:
    """The heading in the first row and a person in row ``number``, nothing between."""
    return workbook(sheet([people_rows(0), row_xml(number, person("H1"))]))


def wide_row(column: int = 16_384) -> bytes:
    """A person whose row has one more cell, far to the right."""
    extra = cell(column, 2, "x")
    rows = [row_xml(1, HEADER), row_xml(2, person("H1"))[: -len("</row>")] + extra + "</row>"]
    return workbook(sheet(rows))


def big_shared_cell(size: int = 100 * MB) -> bytes:
    """A person whose job title is a shared string of ``size`` letters."""
    values = person("H1")
    values[5] = ""
    title = '<c r="F2" t="s"><v>0</v></c>'
    rows = [row_xml(1, HEADER), row_xml(2, values)[: -len("</row>")] + title + "</row>"]
    strings = shared_strings([b"<si><t>", *repeated(b"A", size), b"</t></si>"])
    return workbook(sheet(rows), strings)


def long_cell(length: int) -> bytes:
    """A person whose job title is ``length`` letters long, inline in the sheet."""
    values = person("H1")
    values[5] = "A" * length
    return workbook(sheet([row_xml(1, HEADER), row_xml(2, values)]))


def zip_bomb(size: int = 1024 * MB) -> bytes:
    """A sheet of ``size`` bytes, almost all of it spaces between the rows."""
    return workbook(sheet([people_rows(), *repeated(b" ", size)]))


def lying_zip_directory(size: int = 100 * MB, declared: int = 64 * 1024) -> bytes:
    """The 100 MB shared string, with the zip's directory saying it unpacks to 64 KB."""
    return lie_about_size(big_shared_cell(size), STRINGS, declared)


# -- the hostile CSV files ----------------------------------------------------------------

FIVE_MB = 5 * MB - 1024  # just under the upload limit


def csv_giant_cell(size: int = FIVE_MB) -> bytes:
    """A person whose job title is one quoted cell filling the rest of 5 MB."""
    content = csv_bytes([person("H1")])
    return (
        content
        + b'H2;Kari;Nordmann;kari.h2@tynset.example;4210;"'
        + b"A" * (size - len(content) - 60)
        + b'";01.03.2027;\r\n'
    )


def csv_many_separators(size: int = FIVE_MB) -> bytes:
    """A person's row followed by millions of empty cells."""
    content = csv_bytes([person("H1")]).rstrip(b"\r\n")
    return content + b";" * (size - len(content) - 2) + b"\r\n"


def csv_blank_lines(size: int = FIVE_MB) -> bytes:
    """The heading, millions of empty lines, then a person."""
    head = csv_bytes([])
    tail = csv_bytes([person("H1")])[len(head) :]
    return head + b"\r\n" * ((size - len(head) - len(tail)) // 2) + tail


def many_cells(count: int = 4_000_000) -> bytes:
    """A heading and one row of ``count`` cells without references (about 15 bytes each)."""
    cells = repeated(b"<c><v>1</v></c>", count * len(b"<c><v>1</v></c>"))
    return workbook(sheet([row_xml(1, HEADER), b'<row r="2">', *cells, b"</row>"]))


def split_text(breaker: bytes, size: int = 60 * MB) -> bytes:
    """A shared string of ``size`` letters broken every 100 KB by ``breaker`` (an empty
    comment, or CDATA), which XML joins into one text."""
    piece = b"A" * (100 * 1024)
    values = person("H1")
    values[5] = ""
    title = '<c r="F2" t="s"><v>0</v></c>'
    rows = [row_xml(1, HEADER), row_xml(2, values)[: -len("</row>")] + title + "</row>"]
    parts = [b"<si><t>", *(piece + breaker for _ in range(size // len(piece))), b"</t></si>"]
    return workbook(sheet(rows), shared_strings(parts))
