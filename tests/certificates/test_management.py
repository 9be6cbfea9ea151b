"""Managing certificates: who may download, HR's revocation and new issue, the register with
its CSV, a cohort's certificates at once, and where the certificate shows in the interface."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select

from onboarding.auth.models import Role, User
from onboarding.certificates.codes import format_code, new_code
from onboarding.certificates.models import Certificate
from onboarding.certificates.services import (
    CertificateError,
    VerificationStatus,
    certificates_of,
    reissue_certificate,
    revoke_certificate,
    verify,
)
from onboarding.cohorts.models import CohortSession
from onboarding.database import utcnow
from onboarding.extensions import db
from onboarding.notifications.models import Notification
from tests.certificates.conftest import World, certificate_of, graduate, plan_session
from tests.conftest import CountQueries
from tests.factories import commit, create_user
from tests.helpers import csrf_token, outbox_messages, post_form, signed_in, text_of


def user(email: str) -> User:
    return db.session.scalars(select(User).where(User.email == email)).one()


# -- the rules, without HTTP -----------------------------------------------------------------


def test_revoking_keeps_who_when_and_why(session: CohortSession) -> None:
    person = graduate(session)
    hr = create_user(roles=(Role.HR,))
    certificate = certificate_of(person)
    with pytest.raises(CertificateError):
        revoke_certificate(certificate, hr, "   ")
    with pytest.raises(CertificateError):
        revoke_certificate(certificate, hr, "x" * 501)
    revoke_certificate(certificate, hr, "  Feil navn  ")
    commit()
    assert certificate.revoked_at is not None
    assert certificate.revoked_by_id == hr.id
    assert certificate.revoke_reason == "Feil navn"
    assert verify(certificate.code).status is VerificationStatus.REVOKED
    with pytest.raises(CertificateError):
        revoke_certificate(certificate, hr, "igjen")


def test_a_new_certificate_has_a_new_code_and_todays_name(session: CohortSession) -> None:
    person = graduate(session, first_name="Asa", last_name="Nordmann")
    hr = create_user(roles=(Role.HR,))
    old = certificate_of(person)
    with pytest.raises(CertificateError):
        reissue_certificate(old, hr)  # not revoked yet
    revoke_certificate(old, hr, "Navnet er feil stavet")
    person.first_name = "Åsa"
    new = reissue_certificate(old, hr)
    commit()
    assert new.id != old.id
    assert new.code != old.code
    assert new.holder_name == "Åsa Nordmann"
    assert old.holder_name == "Asa Nordmann"
    assert new.replaces_id == old.id
    assert new.issued_by_id == hr.id
    assert verify(new.code).status is VerificationStatus.VALID
    assert verify(old.code).status is VerificationStatus.REVOKED
    assert [c.id for c in certificates_of(person)] == [new.id, old.id]
    with pytest.raises(CertificateError):
        reissue_certificate(old, hr)  # a second click: one valid certificate is enough


def test_unknown_and_valid_verification_without_http(session: CohortSession) -> None:
    certificate = certificate_of(graduate(session))
    found = verify(format_code(certificate.code).lower())
    assert found.status is VerificationStatus.VALID
    assert found.holder_name == certificate.holder_name
    assert verify("ABCD").status is VerificationStatus.UNKNOWN
    assert verify("ABCD").holder_name is None


# -- who may download ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("nyansatt@tynset.example", True),  # the holder
        ("avdelingsleder@tynset.example", True),  # leads the holder's unit
        ("leder@tynset.example", True),  # leads the unit above
        ("hr@tynset.example", True),
        ("admin@tynset.example", True),
        ("kollega@tynset.example", False),  # a colleague in the same unit
        ("annen.leder@tynset.example", False),  # a leader elsewhere
    ],
)
def test_who_may_download(app: Flask, world: World, who: str, allowed: bool) -> None:
    client = signed_in(app, who)
    response = client.get(f"/certificates/{world.certificate_id}.pdf")
    if allowed:
        assert response.status_code == 200
        assert response.mimetype == "application/pdf"
        assert "attachment" in response.headers["Content-Disposition"]
        assert format_code(world.code) in response.headers["Content-Disposition"]
        assert "no-store" in response.headers["Cache-Control"]
        assert PdfReader(io.BytesIO(response.data)).pages
    else:
        assert response.status_code == 404  # as if it did not exist


def test_signed_out_visitors_are_sent_to_sign_in(client: FlaskClient, world: World) -> None:
    response = client.get(f"/certificates/{world.certificate_id}.pdf")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert client.get("/certificates/999999.pdf").status_code == 302


def test_a_revoked_certificate_is_for_hr_only(app: Flask, world: World) -> None:
    with app.app_context():
        certificate = db.session.get(Certificate, world.certificate_id)
        assert certificate is not None
        revoke_certificate(certificate, user("hr@tynset.example"), "Feil")
        commit()
    url = f"/certificates/{world.certificate_id}.pdf"
    assert signed_in(app, "nyansatt@tynset.example").get(url).status_code == 404
    assert signed_in(app, "leder@tynset.example").get(url).status_code == 404
    assert signed_in(app, "hr@tynset.example").get(url).status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/certificates",
        "/certificates/register.csv",
        "/certificates/{id}",
        "/certificates/{id}/revoke",
        "/cohorts/{cohort}/certificates.zip",
        "/cohorts/{cohort}/certificates.pdf",
    ],
)
@pytest.mark.parametrize("who", ["nyansatt@tynset.example", "leder@tynset.example"])
def test_hr_pages_are_refused_to_others(app: Flask, world: World, url: str, who: str) -> None:
    client = signed_in(app, who)
    path = url.format(id=world.certificate_id, cohort=world.cohort_id)
    assert client.get(path).status_code == 403
    for action in ("revoke", "reissue"):
        token = csrf_token(client)
        response = client.post(
            f"/certificates/{world.certificate_id}/{action}",
            data={"csrf_token": token, "reason": "x"},
        )
        assert response.status_code == 403
    with app.app_context():
        certificate = db.session.get(Certificate, world.certificate_id)
        assert certificate is not None
        assert certificate.is_valid


# -- HR revokes and issues anew in the browser ---------------------------------------------


def test_hr_revokes_and_issues_a_new_certificate(app: Flask, world: World) -> None:
    client = signed_in(app, "hr@tynset.example")
    page = f"/certificates/{world.certificate_id}"
    assert format_code(world.code) in text_of(client.get(page))
    forged = client.post(f"{page}/revoke", data={"reason": "Uten CSRF-token"})
    assert forged.status_code == 400
    empty = post_form(client, f"{page}/revoke", {"reason": ""})
    assert empty.status_code == 400
    assert "Give the reason for revoking the certificate." in text_of(empty)
    response = post_form(client, f"{page}/revoke", {"reason": "Feil navn"})
    assert response.status_code == 302
    again = post_form(client, f"{page}/revoke", {"reason": "Dobbeltklikk"})
    assert again.status_code == 302  # a double click changes nothing
    with app.app_context():
        old = db.session.get(Certificate, world.certificate_id)
        assert old is not None
        assert old.revoke_reason == "Feil navn"
    shown = text_of(client.get(page))
    assert "Feil navn" in shown  # HR sees the reason; the public page does not
    response = post_form(client, f"{page}/reissue", {})
    assert response.status_code == 302
    new_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert new_id != world.certificate_id
    twice = post_form(client, f"{page}/reissue", {})
    assert twice.status_code == 302
    with app.app_context():
        mine = certificates_of(user("nyansatt@tynset.example"))
        assert [c.id for c in mine] == [new_id, world.certificate_id]
        new_code = mine[0].code
    mails = [
        m
        for m in outbox_messages(Path(app.config["MAIL_OUTBOX_DIR"]))
        if "nyansatt@" in m["To"] and format_code(new_code) in str(m.get_body())
    ]
    assert len(mails) == 1
    public = app.test_client()
    assert 'data-status="valid"' in public.get(f"/verify/{new_code}").get_data(as_text=True)
    revoked = public.get(f"/verify/{world.code}").get_data(as_text=True)
    assert 'data-status="revoked"' in revoked


# -- revoking asks first, on a page of its own -----------------------------------------------


def certificate_row(app: Flask, certificate_id: int) -> Certificate:
    with app.app_context():
        certificate = db.session.get(Certificate, certificate_id)
        assert certificate is not None
        db.session.expunge(certificate)
        return certificate


def test_the_detail_page_leads_to_a_page_that_asks_before_revoking(
    app: Flask, world: World
) -> None:
    client = signed_in(app, "hr@tynset.example")
    detail = client.get(f"/certificates/{world.certificate_id}").get_data(as_text=True)
    confirm = f"/certificates/{world.certificate_id}/revoke"
    assert f'href="{confirm}"' in detail  # a link, so it works without JavaScript
    assert f'action="{confirm}"' not in detail  # nothing is revoked from the detail page
    page = client.get(confirm)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    shown = text_of(page)
    assert "Revoke the certificate of Áŋŋá Čáhppe?" in shown
    assert certificate_row(app, world.certificate_id).programme_title in shown
    assert format_code(world.code) in shown
    assert f'<form method="post" action="{confirm}"' in html
    assert re.search(r'<textarea [^>]*name="reason"[^>]*required', html)
    assert 'data-color="danger" type="submit">Revoke the certificate</button>' in html
    assert f'href="/certificates/{world.certificate_id}">Cancel</a>' in html
    # What the page says will happen; the test below checks that it does.
    for promise in (
        "The certificate becomes invalid at once.",
        "Anyone who checks the code sees that the certificate is revoked, and on which day, "
        "but not why.",
        "Neither Áŋŋá Čáhppe nor their leaders can download it any longer.",
        "Áŋŋá Čáhppe does not get an e-mail about this.",
        "Áŋŋá Čáhppe can read it under «My data».",
    ):
        assert promise in shown
    assert certificate_row(app, world.certificate_id).is_valid  # looking changes nothing


def test_revoking_does_what_the_page_says(app: Flask, world: World) -> None:
    holder = signed_in(app, "nyansatt@tynset.example")
    assert holder.get(f"/certificates/{world.certificate_id}.pdf").status_code == 200
    with app.app_context():
        mails_before = len(db.session.scalars(select(Notification)).all())
    outbox = Path(app.config["MAIL_OUTBOX_DIR"])
    delivered_before = len(outbox_messages(outbox))

    client = signed_in(app, "hr@tynset.example")
    url = f"/certificates/{world.certificate_id}/revoke"
    response = post_form(client, url, {"reason": "Feil navn på beviset"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/certificates/{world.certificate_id}"
    assert "is revoked" in text_of(client.get(response.headers["Location"]))
    revoked = certificate_row(app, world.certificate_id)
    assert revoked.revoked_at is not None
    assert revoked.revoke_reason == "Feil navn på beviset"

    # The code verifies as revoked, with the day and without the reason.
    public = app.test_client().get(f"/verify/{world.code}")
    assert 'data-status="revoked"' in public.get_data(as_text=True)
    assert "Feil navn" not in text_of(public)
    # Neither the holder nor their leader can download it; the holder's page says so.
    assert holder.get(f"/certificates/{world.certificate_id}.pdf").status_code == 404
    leader = signed_in(app, "leder@tynset.example")
    assert leader.get(f"/certificates/{world.certificate_id}.pdf").status_code == 404
    home = text_of(holder.get("/"))
    assert "Your certificate was revoked. Contact the HR department" in home
    # No e-mail, queued or sent.
    with app.app_context():
        assert len(db.session.scalars(select(Notification)).all()) == mails_before
    assert len(outbox_messages(outbox)) == delivered_before
    # The holder reads the reason in their own data.
    assert "Feil navn på beviset" in text_of(holder.get("/account/data"))


def test_a_revocation_without_a_good_reason_shows_the_page_again(app: Flask, world: World) -> None:
    client = signed_in(app, "hr@tynset.example")
    url = f"/certificates/{world.certificate_id}/revoke"
    empty = post_form(client, url, {"reason": "   "})
    assert empty.status_code == 400
    shown = text_of(empty)
    assert "Correct the following to continue:" in shown
    assert "Give the reason for revoking the certificate." in shown
    assert "Revoke the certificate of Áŋŋá Čáhppe?" in shown
    too_long = post_form(client, url, {"reason": "Langt " * 100})
    assert too_long.status_code == 400
    assert "The reason can be at most 500 characters." in text_of(too_long)
    assert "Langt Langt" in too_long.get_data(as_text=True)  # what was typed is kept
    assert certificate_row(app, world.certificate_id).is_valid


def test_an_already_revoked_certificate_is_not_revoked_again(app: Flask, world: World) -> None:
    with app.app_context():
        certificate = db.session.get(Certificate, world.certificate_id)
        assert certificate is not None
        revoke_certificate(certificate, user("hr@tynset.example"), "Første gang")
        commit()
    client = signed_in(app, "hr@tynset.example")
    url = f"/certificates/{world.certificate_id}/revoke"
    page = client.get(url)
    assert page.status_code == 302
    assert page.headers["Location"] == f"/certificates/{world.certificate_id}"
    assert "The certificate is already revoked." in text_of(client.get(page.headers["Location"]))
    again = client.post(url, data={"csrf_token": csrf_token(client), "reason": "Andre gang"})
    assert again.status_code == 302
    assert certificate_row(app, world.certificate_id).revoke_reason == "Første gang"
    detail = client.get(f"/certificates/{world.certificate_id}").get_data(as_text=True)
    assert f'href="{url}"' not in detail  # the page offers a new certificate instead


# -- the register --------------------------------------------------------------------------


@pytest.fixture
def register(app: Flask, world: World) -> World:
    """A second cohort whose graduate has a formula for a name, and an older certificate."""
    with app.app_context():
        session = plan_session("Høstkullet 2027", "Tynsethallen")
        db.session.flush()
        other = graduate(session, email="formel@tynset.example", first_name="=2+3", last_name="@x")
        older = certificate_of(other)
        older.issued_at = utcnow() - timedelta(days=400)
        commit()
    return world


def test_hr_finds_certificates_by_name_code_cohort_and_date(app: Flask, register: World) -> None:
    client = signed_in(app, "hr@tynset.example")
    everything = text_of(client.get("/certificates"))
    assert "2 certificates" in everything
    assert "Áŋŋá Čáhppe" in everything
    assert "=2+3 @x" in everything
    by_name = text_of(client.get("/certificates?q=Čáhppe"))
    assert "1 certificate" in by_name
    assert "Áŋŋá Čáhppe" in by_name
    by_code = text_of(client.get("/certificates", query_string={"q": register.code.lower()}))
    assert "Áŋŋá Čáhppe" in by_code
    assert "=2+3" not in by_code
    by_cohort = text_of(client.get(f"/certificates?cohort={register.cohort_id}"))
    assert "Áŋŋá Čáhppe" in by_cohort
    assert "=2+3" not in by_cohort
    today = utcnow().date()
    recent = text_of(client.get(f"/certificates?from={(today - timedelta(days=30)).isoformat()}"))
    assert "Áŋŋá Čáhppe" in recent
    assert "=2+3" not in recent
    old = text_of(client.get(f"/certificates?to={(today - timedelta(days=300)).isoformat()}"))
    assert "=2+3" in old
    assert "Áŋŋá" not in old
    nonsense = client.get("/certificates?from=yesterday&cohort=x&status=maybe")
    assert nonsense.status_code == 200
    assert "2 certificates" in text_of(nonsense)


def test_the_register_as_csv_for_excel(app: Flask, register: World) -> None:
    client = signed_in(app, "hr@tynset.example")
    response = client.get("/certificates/register.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    body = response.data.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.removeprefix("\ufeff")), delimiter=";"))
    assert rows[0][:2] == ["Employee number", "Name"]
    assert len(rows) == 3
    by_name = {row[1]: row for row in rows[1:]}
    assert "'=2+3 @x" in by_name  # a formula is made plain text
    assert format_code(register.code) in by_name["Áŋŋá Čáhppe"]
    assert "nyansatt@tynset.example" in by_name["Áŋŋá Čáhppe"]
    filtered = client.get(f"/certificates/register.csv?cohort={register.cohort_id}")
    assert len(filtered.data.decode().strip().splitlines()) == 2


# -- a cohort's certificates at once -----------------------------------------------------------


def test_hr_downloads_a_cohorts_certificates_as_zip_and_as_one_pdf(
    app: Flask, world: World
) -> None:
    with app.app_context():
        session = db.session.get(CohortSession, world.session_id)
        assert session is not None
        second = graduate(session, first_name="Ola", last_name="Nordmann")
        third = graduate(session, first_name="Per", last_name="Revokert")
        revoke_certificate(certificate_of(third), user("hr@tynset.example"), "Feil")
        codes = {format_code(certificate_of(second).code), format_code(world.code)}
        commit()
    client = signed_in(app, "hr@tynset.example")
    response = client.get(f"/cohorts/{world.cohort_id}/certificates.zip")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        names = archive.namelist()
        assert len(names) == 2  # the revoked one is left out
        assert {name.removesuffix(".pdf")[-14:] for name in names} == codes
        for name in names:
            reader = PdfReader(io.BytesIO(archive.read(name)))
            assert len(reader.pages) == 1
    merged = client.get(f"/cohorts/{world.cohort_id}/certificates.pdf")
    assert merged.status_code == 200
    reader = PdfReader(io.BytesIO(merged.data))
    assert len(reader.pages) == 2
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Ola Nordmann" in text
    assert "Revokert" not in text
    with app.app_context():
        kept = db.session.scalars(select(Certificate).where(Certificate.revoked_at.is_(None)))
        assert all(c.pdf is not None for c in kept)  # rendered once, kept for next time
    assert client.get("/cohorts/999999/certificates.zip").status_code == 404


def test_a_cohort_without_certificates_gets_a_message(app: Flask, world: World) -> None:
    with app.app_context():
        empty = plan_session("Tomt kull", "Et rom")
        cohort_id = empty.cohort_id
        commit()
    client = signed_in(app, "hr@tynset.example")
    response = client.get(f"/cohorts/{cohort_id}/certificates.zip", follow_redirects=True)
    assert response.status_code == 200
    assert "has a valid certificate yet" in text_of(response)


def test_the_cohort_page_offers_the_cohorts_certificates(app: Flask, world: World) -> None:
    with app.app_context():
        session = db.session.get(CohortSession, world.session_id)
        assert session is not None
        graduate(session, first_name="Ola", last_name="Nordmann")
        third = graduate(session, first_name="Per", last_name="Revokert")
        revoke_certificate(certificate_of(third), user("hr@tynset.example"), "Feil")
        commit()
    client = signed_in(app, "hr@tynset.example")
    page = client.get(f"/cohorts/{world.cohort_id}")
    assert page.status_code == 200
    assert "The cohort's members hold 2 valid certificates." in text_of(page)
    html = page.get_data(as_text=True)
    links = re.findall(r'href="(/cohorts/\d+/certificates\.(?:pdf|zip))"', html)
    assert links == [
        f"/cohorts/{world.cohort_id}/certificates.pdf",
        f"/cohorts/{world.cohort_id}/certificates.zip",
    ]
    merged = client.get(links[0])
    assert merged.status_code == 200
    assert len(PdfReader(io.BytesIO(merged.data)).pages) == 2
    archive = client.get(links[1])
    assert archive.status_code == 200
    with zipfile.ZipFile(io.BytesIO(archive.data)) as files:
        assert len(files.namelist()) == 2
    assert f'href="/certificates?cohort={world.cohort_id}"' in html


def test_a_cohort_page_without_certificates_says_why(app: Flask, world: World) -> None:
    with app.app_context():
        empty = plan_session("Høstkullet 2027", "Tynsethallen")
        cohort_id = empty.cohort_id
        commit()
    page = signed_in(app, "hr@tynset.example").get(f"/cohorts/{cohort_id}")
    assert page.status_code == 200
    assert "Nobody in the cohort has a valid certificate yet." in text_of(page)
    assert "certificates.zip" not in page.get_data(as_text=True)
    assert "certificates.pdf" not in page.get_data(as_text=True)


# -- where the certificate shows -------------------------------------------------------------


def test_the_home_page_shows_the_certificate_with_a_download_link(app: Flask, world: World) -> None:
    client = signed_in(app, "nyansatt@tynset.example")
    page = client.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'href="/certificates/{world.certificate_id}.pdf"' in html
    assert format_code(world.code) in text_of(page)
    colleague = signed_in(app, "kollega@tynset.example").get("/")
    assert "/certificates/" not in colleague.get_data(as_text=True)


def test_the_person_page_and_the_menu_lead_to_the_certificate(app: Flask, world: World) -> None:
    client = signed_in(app, "hr@tynset.example")
    page = client.get(f"/people/{world.person_id}").get_data(as_text=True)
    assert f'href="/certificates/{world.certificate_id}"' in page
    assert f'href="/certificates/{world.certificate_id}.pdf"' in page
    assert 'href="/certificates"' in page  # the menu entry for HR
    employee = signed_in(app, "nyansatt@tynset.example").get("/").get_data(as_text=True)
    assert 'href="/certificates"' not in employee


def test_the_commands_issue_missing_certificates_and_render_them(app: Flask, world: World) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["certificates", "issue-missing"])
    assert result.exit_code == 0, result.output
    assert "0 certificates issued" in result.output
    result = runner.invoke(args=["certificates", "render"])
    assert result.exit_code == 0, result.output
    assert "1 certificates rendered" in result.output
    with app.app_context():
        certificate = db.session.get(Certificate, world.certificate_id)
        assert certificate is not None
        assert certificate.pdf is not None
    assert "0 certificates rendered" in runner.invoke(args=["certificates", "render"]).output


def test_the_register_takes_as_many_queries_for_many_rows_as_for_few(
    app: Flask, world: World, count_queries: CountQueries
) -> None:
    client = signed_in(app, "hr@tynset.example")

    def add_certificates(count: int) -> None:
        with app.app_context():
            template = db.session.get(Certificate, world.certificate_id)
            assert template is not None
            for _ in range(count):
                holder = create_user()
                db.session.add(
                    Certificate(
                        user_id=holder.id,
                        programme_id=template.programme_id,
                        code=new_code(),
                        holder_name=holder.full_name,
                        programme_title=template.programme_title,
                        signatory_name="x",
                        signatory_title="y",
                    )
                )
            commit()

    def queries() -> int:
        with count_queries() as statements:
            assert client.get("/certificates").status_code == 200
        return len(statements)

    few = queries()
    add_certificates(12)
    assert "13 certificates" in text_of(client.get("/certificates"))
    assert queries() == few
