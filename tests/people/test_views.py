"""HR's import pages as a browser uses them, and who may not use them.

HR here reads the interface in English, so the tests read the same before and after the
Norwegian catalogue is updated.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import TestResponse, encode_multipart

from onboarding.auth.models import Role, User
from onboarding.extensions import db
from onboarding.org.models import UnitKind
from onboarding.org.services import create_unit
from onboarding.people.models import ImportBatch
from tests.conftest import CountQueries
from tests.factories import commit, create_user
from tests.helpers import AuthActions, csrf_token, outbox_messages, post_form, text_of
from tests.people.conftest import csv_bytes, employee, person, xlsx_bytes


@pytest.fixture
def people(app: Flask) -> None:
    with app.app_context():
        kommune = create_unit("Tynset kommune", UnitKind.MUNICIPALITY, code="0437")
        helse = create_unit("Helse og omsorg", UnitKind.SERVICE_AREA, kommune, code="4000")
        hjemme = create_unit("Hjemmetjenesten", UnitKind.DEPARTMENT, helse, code="4210")
        create_user("hr@tynset.example", roles=(Role.HR,), first_name="Hanne", language="en")
        create_user("hr2@tynset.example", roles=(Role.HR,), first_name="Harald", language="en")
        create_user("admin@tynset.example", roles=(Role.ADMIN,), language="en")
        create_user("ansatt@tynset.example", language="en")
        create_user("leder@tynset.example", leads=helse, language="en")
        employee("E1", "ola@tynset.example", "Ola", "Hansen", unit=hjemme)
        commit()


FILE = csv_bytes(
    [
        person("E1", "Ola", "Hansen", "ola@tynset.example", "4210", "Fagleder", "01.02.2027"),
        person("N1", "Nora", "Ny", "nora@tynset.example", "Hjemmetjenesten", "Sykepleier",
               "01.03.2027", "ola@tynset.example"),
        person("N2", "Nils", "Feil", "nils@tynset.example", "4210", start="31.02.2027"),
    ]
)  # fmt: skip


@pytest.fixture
def near_noras_start() -> Iterator[None]:
    """The clock at 20 February 2027, under two weeks before Nora's start date (1 March):
    the import invites her at once, rather than leaving it to the nightly job."""
    with time_machine.travel(datetime(2027, 2, 20, 9, tzinfo=ZoneInfo("Europe/Oslo")), tick=False):
        yield


def upload(client: FlaskClient, content: bytes, filename: str = "visma.csv") -> TestResponse:
    return post_form(client, "/import", {"file": (io.BytesIO(content), filename)})


def import_button(response: TestResponse) -> dict[str, str]:
    """The hidden fields of the «Import» form on a preview page."""
    page = response.get_data(as_text=True)
    plan = re.search(r'name="plan" value="([^"]*)"', page)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert plan, "no Import button on the page"
    assert token
    return {"plan": plan.group(1), "csrf_token": token.group(1)}


def counts_on(response: TestResponse) -> dict[str, int]:
    page = response.get_data(as_text=True)
    return {key: int(value) for key, value in re.findall(r'data-count="(\w+)">(\d+)<', page)}


def people_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(User.id))) or 0


def batch_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(ImportBatch.id))) or 0


def test_hr_uploads_sees_the_preview_and_imports(
    app: Flask, client: FlaskClient, auth: AuthActions, people: None, near_noras_start: None
) -> None:
    auth.login("hr@tynset.example")
    assert 'href="/import"' in client.get("/").get_data(as_text=True)  # in the menu
    page = client.get("/import")
    assert page.status_code == 200
    assert "Import new hires" in text_of(page)
    assert 'enctype="multipart/form-data"' in page.get_data(as_text=True)

    uploaded = upload(client, FILE)
    assert uploaded.status_code == 302
    preview_url = uploaded.headers["Location"]
    assert re.fullmatch(r"/import/\d+", preview_url)
    before = people_count(app)

    preview = client.get(preview_url)
    text = text_of(preview)
    assert preview.status_code == 200
    assert counts_on(preview) == {"new": 1, "changed": 1, "unchanged": 0, "error": 1}
    assert "Job title: Sykepleier → Fagleder" in text
    assert "Nora Ny nora@tynset.example Hjemmetjenesten Sykepleier" in text
    # The row with its error, then every column as the file has it, the wrong cell marked.
    assert (
        "4 Column “Startdato”: “31.02.2027” is not a date that exists. "
        "N2 Nils Feil nils@tynset.example 4210 Helsefagarbeider Error: 31.02.2027 –"
    ) in text
    assert "Import 2 rows" in text
    assert people_count(app) == before  # nothing imported by looking

    imported = client.post(preview_url, data=import_button(preview))
    assert imported.status_code == 302
    done = client.get(imported.headers["Location"])
    assert "The file is imported: 1 new and 1 changed." in text_of(done)
    assert counts_on(done) == {"created": 1, "updated": 1, "unchanged": 0, "errors": 1}
    assert "Import 2 rows" not in text_of(done)
    assert people_count(app) == before + 1
    with app.app_context():
        nora = db.session.scalar(select(User).where(User.email == "nora@tynset.example"))
        ola = db.session.scalar(select(User).where(User.email == "ola@tynset.example"))
        assert nora is not None
        assert ola is not None
        assert nora.manager_id == ola.id
        assert ola.position == "Fagleder"
    [invitation] = outbox_messages(Path(app.config["MAIL_OUTBOX_DIR"]))
    assert invitation["To"] == "Nora Ny <nora@tynset.example>"


def test_a_double_click_on_import_imports_once(
    app: Flask, client: FlaskClient, auth: AuthActions, people: None, near_noras_start: None
) -> None:
    auth.login("hr@tynset.example")
    preview_url = upload(client, FILE).headers["Location"]
    form = import_button(client.get(preview_url))
    first = client.post(preview_url, data=form)
    before = people_count(app)
    second = client.post(preview_url, data=form, follow_redirects=True)
    assert first.status_code == 302
    assert "This file has already been imported." in text_of(second)
    assert people_count(app) == before
    assert len(outbox_messages(Path(app.config["MAIL_OUTBOX_DIR"]))) == 1  # one invitation


def test_an_excel_file_can_be_imported_too(
    app: Flask, client: FlaskClient, auth: AuthActions, people: None
) -> None:
    auth.login("admin@tynset.example")
    rows = [person("N1", "Nora", "Ny", "nora@tynset.example", "4210")]
    preview = client.get(upload(client, xlsx_bytes(rows), "visma.xlsx").headers["Location"])
    assert counts_on(preview)["new"] == 1
    assert "Excel" in text_of(preview)


def test_if_people_changed_since_the_preview_hr_sees_the_new_preview(
    app: Flask, client: FlaskClient, auth: AuthActions, people: None
) -> None:
    auth.login("hr@tynset.example")
    preview_url = upload(client, FILE).headers["Location"]
    form = import_button(client.get(preview_url))
    with app.app_context():  # meanwhile, someone adds Nora by hand
        employee(None, "nora@tynset.example", "Nora", "Ny")
        commit()
    before = people_count(app)

    response = client.post(preview_url, data=form)

    assert response.status_code == 409
    text = text_of(response)
    assert "People or units have changed since the preview was made" in text
    assert counts_on(response) == {"new": 0, "changed": 2, "unchanged": 0, "error": 1}
    assert people_count(app) == before
    again = client.post(preview_url, data=import_button(response))
    assert again.status_code == 302


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (bytes(range(256)) * 8, "The file is not a text file we can read."),
        (csv_bytes([["T1", "Kari"]], header=["Ansattnr", "Fornavn"]),
         "The file lacks required columns: Last name, E-mail address, Unit, Start date."),
        (xlsx_bytes([], header=None), "The first sheet of the Excel file is empty."),
    ],
    ids=["empty", "binary", "missing columns", "empty workbook"],
)  # fmt: skip
def test_a_file_that_cannot_be_read_is_refused_with_the_reason_and_not_stored(
    app: Flask, client: FlaskClient, auth: AuthActions, people: None, content: bytes, message: str
) -> None:
    auth.login("hr@tynset.example")
    response = upload(client, content)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in text_of(response)
    assert 'id="file-error"' in page
    assert 'href="#file"' in page
    assert 'name="plan"' not in page  # no Import button
    assert batch_count(app) == 0


def test_no_file_chosen_is_an_error_next_to_the_field(
    client: FlaskClient, auth: AuthActions, people: None
) -> None:
    auth.login("hr@tynset.example")
    response = post_form(client, "/import", {})
    assert response.status_code == 400
    assert "Choose a file to upload." in text_of(response)


def test_a_file_over_5_mb_is_refused_with_a_message(
    app: Flask, client: FlaskClient, auth: AuthActions, people: None
) -> None:
    auth.login("hr@tynset.example")
    boundary, body = encode_multipart(
        {"file": FileStorage(io.BytesIO(FILE + b" " * (5 * 1024 * 1024)), "visma.csv"),
         "csrf_token": csrf_token(client, "/import")}
    )  # fmt: skip
    response = client.post(
        "/import", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 413
    assert "The file is larger than 5 MB." in text_of(response)
    assert batch_count(app) == 0


def test_a_file_with_nothing_to_import_has_no_import_button(
    client: FlaskClient, auth: AuthActions, people: None
) -> None:
    auth.login("hr@tynset.example")
    unchanged = csv_bytes([person("E1", "Ola", "Hansen", "ola@tynset.example", "4210",
                                  "Sykepleier", "01.02.2027")])  # fmt: skip
    preview = client.get(upload(client, unchanged).headers["Location"])
    assert counts_on(preview) == {"new": 0, "changed": 0, "unchanged": 1, "error": 0}
    assert "There is nothing to import" in text_of(preview)
    assert 'name="plan"' not in preview.get_data(as_text=True)


def test_another_hr_person_sees_the_batch_and_unknown_ids_are_not_found(
    client: FlaskClient, auth: AuthActions, people: None
) -> None:
    auth.login("hr@tynset.example")
    preview_url = upload(client, FILE).headers["Location"]
    auth.logout()
    auth.login("hr2@tynset.example")
    assert client.get(preview_url).status_code == 200
    assert "visma.csv" in text_of(client.get("/import"))  # in the list of recent uploads
    assert client.get("/import/999999").status_code == 404


def test_importing_without_a_valid_csrf_token_changes_nothing(
    app: Flask, client: FlaskClient, auth: AuthActions, people: None
) -> None:
    auth.login("hr@tynset.example")
    preview_url = upload(client, FILE).headers["Location"]
    form = import_button(client.get(preview_url))
    before = people_count(app)
    response = client.post(preview_url, data={**form, "csrf_token": "forged"})
    assert response.status_code == 400
    assert people_count(app) == before


@pytest.mark.parametrize("who", ["ansatt@tynset.example", "leder@tynset.example"])
def test_employees_and_leaders_are_refused(
    app: Flask, client: FlaskClient, auth: AuthActions, people: None, who: str
) -> None:
    auth.login("hr@tynset.example")
    preview_url = upload(client, FILE).headers["Location"]
    auth.logout()
    auth.login(who)
    token = csrf_token(client)
    assert client.get("/import").status_code == 403
    assert client.get(preview_url).status_code == 403
    refused_upload = client.post(
        "/import",
        data={"file": (io.BytesIO(FILE), "visma.csv"), "csrf_token": token},
    )
    assert refused_upload.status_code == 403
    assert client.post(preview_url, data={"csrf_token": token, "plan": ""}).status_code == 403
    assert batch_count(app) == 1
    assert "/import" not in client.get("/").get_data(as_text=True)  # not in the menu


def test_anonymous_visitors_are_sent_to_sign_in(client: FlaskClient, people: None) -> None:
    response = client.get("/import")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_the_preview_takes_as_many_queries_for_many_rows_as_for_few(
    client: FlaskClient, auth: AuthActions, people: None, count_queries: CountQueries
) -> None:
    auth.login("hr@tynset.example")

    def queries_for(rows: int) -> int:
        content = csv_bytes(
            [person(f"N{n}", "Ny", f"Person{n}", f"n{n}@tynset.example", "4210",
                    leader="ola@tynset.example") for n in range(rows)]
        )  # fmt: skip
        url = upload(client, content).headers["Location"]
        with count_queries() as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    assert queries_for(300) == queries_for(3)


def test_a_stored_file_that_can_no_longer_be_read_has_no_import_button(
    app: Flask, client: FlaskClient, auth: AuthActions, people: None
) -> None:
    with app.app_context():  # stored before a rule about readable files changed
        batch = ImportBatch(filename="gammel.csv", content=b"")
        db.session.add(batch)
        commit()
        url = f"/import/{batch.id}"
    auth.login("hr@tynset.example")
    response = client.get(url)
    assert response.status_code == 422
    assert "The file is empty." in text_of(response)
    assert 'name="plan"' not in response.get_data(as_text=True)
    refused = client.post(url, data={"csrf_token": csrf_token(client), "plan": "x"})
    assert refused.status_code == 422
    with app.app_context():
        stored = db.session.get(ImportBatch, batch.id)
        assert stored is not None
        assert stored.applied_at is None
