"""Reading HR exports: encodings, separators, Excel, headings, and files that cannot be read."""

from __future__ import annotations

import codecs
import io
import os
import zipfile
from datetime import datetime

import pytest

from onboarding.people.reader import Column, FileProblem, read_people_file
from tests.people.conftest import HEADER, Org, csv_bytes, person, xlsx_bytes

ÆØÅ = person("T100", "Åse", "Ødegård", email="ase@tynset.example", position="Bæreansvarlig")


@pytest.mark.parametrize(
    ("content", "encoding"),
    [
        (csv_bytes([ÆØÅ]), "UTF-8"),
        (codecs.BOM_UTF8 + csv_bytes([ÆØÅ]), "UTF-8"),
        (csv_bytes([ÆØÅ], encoding="cp1252"), "Windows-1252"),
        (csv_bytes([ÆØÅ], encoding="utf-16"), "UTF-16"),  # with BOM, as Excel writes it
    ],
    ids=["utf-8", "utf-8 with BOM", "windows-1252", "utf-16 with BOM"],
)
def test_norwegian_letters_survive_every_encoding(org: Org, content: bytes, encoding: str) -> None:
    source = read_people_file(content)
    assert source.encoding == encoding
    [row] = source.rows
    assert row.get(Column.FIRST_NAME) == "Åse"
    assert row.get(Column.LAST_NAME) == "Ødegård"
    assert row.get(Column.POSITION) == "Bæreansvarlig"
    # The BOM is not glued to the first heading.
    assert source.headings[Column.EMPLOYEE_NUMBER] == "Ansattnummer"


@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
def test_the_separator_is_detected(org: Org, delimiter: str) -> None:
    rows = [person("T1", position="Lærer, adjunkt"), person("T2", position="Rektor; leder")]
    source = read_people_file(csv_bytes(rows, delimiter=delimiter))
    assert source.delimiter == delimiter
    assert [row.get(Column.POSITION) for row in source.rows] == ["Lærer, adjunkt", "Rektor; leder"]


def test_headings_are_recognised_in_english_and_norwegian_whatever_the_case(org: Org) -> None:
    header = [
        " employee_number ",
        "FIRST NAME",
        "Last name",
        "E-mail",
        "Department",
        "Job title",
        "start date",
        "Manager e-mail",
        "Lønnstrinn",
    ]
    source = read_people_file(csv_bytes([person("T1")], header=header))
    assert set(source.headings) == set(Column)
    assert source.ignored == ["Lønnstrinn"]
    norwegian = ["Ansattnr", "Fornavn", "Etternavn", "Epost", "Avdeling", "Stilling",
                 "Tiltredelse", "Leder e-post"]  # fmt: skip
    source = read_people_file(csv_bytes([person("T1")], header=norwegian))
    assert set(source.headings) == set(Column)


def test_rows_are_numbered_as_in_the_spreadsheet_and_blank_rows_skipped(org: Org) -> None:
    content = csv_bytes([person("T1"), ["", "", "", "", "", "", "", ""], person("T3")])
    content += b"\r\n\r\n"
    source = read_people_file(content)
    assert [row.number for row in source.rows] == [2, 4]
    assert [row.get(Column.EMPLOYEE_NUMBER) for row in source.rows] == ["T1", "T3"]


def test_an_excel_workbook_is_read_with_dates_and_numbers_as_text(org: Org) -> None:
    row: list[object] = [*person("1234")]
    row[0] = 1234
    row[6] = datetime(2027, 3, 1)  # noqa: DTZ001 (a spreadsheet cell has no time zone)
    source = read_people_file(xlsx_bytes([row]))
    assert source.format == "Excel"
    [read] = source.rows
    assert read.number == 2
    assert read.get(Column.EMPLOYEE_NUMBER) == "1234"
    assert read.get(Column.START_DATE) == "2027-03-01"
    assert read.get(Column.FIRST_NAME) == "Kari"


def test_an_excel_formula_is_read_as_the_formula(org: Org) -> None:
    row = person("T1")
    row[1] = '=HYPERLINK("http://evil.example","Kari")'
    source = read_people_file(xlsx_bytes([row]))
    assert source.rows[0].get(Column.FIRST_NAME).startswith("=HYPERLINK")


def utf16_without_bom() -> bytes:
    return csv_bytes([person("T1")], encoding="utf-16-le")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (b"  \r\n\r\n", "The file is empty."),
        (codecs.BOM_UTF8, "The file is empty."),
        (os.urandom(2000) + b"\x00", "The file is not a text file we can read."),
        (bytes(range(256)) * 4, "The file is not a text file we can read."),
        (utf16_without_bom(), "The file is not a text file we can read."),
        ("ØÆÅ€‰ŠŒ;ÿþ".encode("cp1252") * 50, "The file is not a text file we can read."),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "old format (.xls)"),
        (b"PK\x03\x04 not really a zip", "cannot be read as an Excel workbook"),
        (csv_bytes([]), "The file has column headings but no rows with people."),
        (xlsx_bytes([], header=None), "The first sheet of the Excel file is empty."),
        (xlsx_bytes([]), "The file has column headings but no rows with people."),
    ],
    ids=[
        "empty",
        "only blank lines",
        "only a BOM",
        "binary",
        "every byte",
        "utf-16 without BOM",
        "not Norwegian in Windows-1252",
        "old .xls",
        "broken zip",
        "headings only",
        "xlsx without rows",
        "xlsx with headings only",
    ],
)
def test_files_that_cannot_be_read_say_why(org: Org, content: bytes, message: str) -> None:
    with pytest.raises(FileProblem, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_people_file(content)


def test_a_zip_that_is_not_a_workbook_cannot_be_read(org: Org) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hei")
    with pytest.raises(FileProblem, match="cannot be read as an Excel workbook"):
        read_people_file(buffer.getvalue())


def test_missing_required_columns_are_named(org: Org) -> None:
    header = [h for h in HEADER if h not in ("Fornavn", "Startdato")]
    rows = [[cell for cell, h in zip(person("T1"), HEADER, strict=True) if h in header]]
    with pytest.raises(FileProblem) as problem:
        read_people_file(csv_bytes(rows, header=header))
    assert "The file lacks required columns: First name, Start date." in str(problem.value)
    assert "Ansattnummer, Etternavn" in str(problem.value)


def test_optional_columns_may_be_left_out(org: Org) -> None:
    header = HEADER[:5] + ["Startdato"]
    source = read_people_file(csv_bytes([person("T1")[:5] + ["01.03.2027"]], header=header))
    assert Column.POSITION not in source.headings
    assert Column.MANAGER_EMAIL not in source.headings
    assert source.rows[0].get(Column.START_DATE) == "01.03.2027"


def test_two_columns_for_the_same_thing_are_refused(org: Org) -> None:
    header = [*HEADER, "Stilling"]
    with pytest.raises(FileProblem, match="“Stillingstittel” and “Stilling” both hold job title"):
        read_people_file(csv_bytes([[*person("T1"), "Lærer"]], header=header))


def test_a_file_that_is_too_large_is_refused(org: Org) -> None:
    content = csv_bytes([person("T1")]) + b" " * (5 * 1024 * 1024)
    with pytest.raises(FileProblem, match="larger than 5 MB"):
        read_people_file(content)
