"""Downloads from the browser and from the command line: who may, what they get, bad input."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from drafting.history import stamp
from drafting.models import Document, ReviewMeeting, Version
from tests.conftest import download, login, make_document, make_practice
from tests.test_export import pdf_text


def export_url(document: Document, fmt: str, query: str = "") -> str:
    url = reverse("drafting:document-export", args=[document.slug, fmt])
    return f"{url}?{query}" if query else url


def name_version(document: Document, by, name: str = "Draft 1") -> Version:
    version = Version(document=document, name=name, taken_at=timezone.now(), created_by=by)
    stamp(version, by=by, reason="Named.")
    version.save()
    return version


def add_meeting(document: Document, by) -> ReviewMeeting:
    meeting = ReviewMeeting(
        document=document,
        kind=ReviewMeeting.Kind.REVIEW,
        title="Rabat review meeting",
        city="Rabat",
        # Tomorrow: the text at its opening is the current one.
        starts_on=timezone.localdate() + timedelta(days=1),
        ends_on=timezone.localdate() + timedelta(days=1),
    )
    stamp(meeting, by=by)
    meeting.save()
    return meeting


# --- who may download ---------------------------------------------------------


@pytest.mark.parametrize("role", ["expert", "observer", "secretariat"])
@pytest.mark.parametrize(
    "fmt,content_type",
    [
        ("pdf", "application/pdf"),
        ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("html", "text/html; charset=utf-8"),
        ("md", "text/markdown; charset=utf-8"),
    ],
)
def test_every_role_downloads_every_format(client, request, document, role, fmt, content_type):
    login(client, request.getfixturevalue(role))
    response = download(client, export_url(document, fmt))
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    disposition = response["Content-Disposition"]
    assert disposition == f'attachment; filename="{document.slug}-current.{fmt}"'
    assert len(response.content) > 200


def test_document_page_has_the_download_menu(client, observer, document):
    page = login(client, observer).get(document.get_absolute_url()).content.decode()
    assert 'class="export-menu"' in page
    for fmt in ["pdf", "docx", "html", "md"]:
        assert export_url(document, fmt) in page
    assert reverse("drafting:document-exports", args=[document.slug]) in page


def test_anonymous_visitors_download_only_the_adopted_text(client, secretariat):
    draft = make_document(by=secretariat)
    response = client.get(export_url(draft, "pdf"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))

    adopted = make_document(by=secretariat, status=Document.Status.ADOPTED)
    version = name_version(adopted, secretariat)
    page = client.get(adopted.get_absolute_url()).content.decode()
    assert export_url(adopted, "pdf") in page
    assert reverse("drafting:document-exports", args=[adopted.slug]) not in page
    response = download(client, export_url(adopted, "pdf"))
    assert response.status_code == 200
    assert "DRAFT" not in pdf_text(response.content)
    # Earlier versions and redlines are drafts: not for the public.
    for url in [
        export_url(adopted, "pdf", f"version={version.pk}"),
        reverse("drafting:document-exports", args=[adopted.slug]),
        reverse("drafting:document-redline", args=[adopted.slug]) + "?start=now&end=now",
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login"))


def test_a_login_without_a_drafting_role_is_refused_with_a_reason(client, secretariat):
    from tests.conftest import make_user

    document = make_document(by=secretariat)
    login(client, make_user(None))
    response = client.get(export_url(document, "pdf"))
    assert response.status_code == 403
    assert "no drafting role" in response.content.decode()


def test_downloads_are_read_only(client, expert, document):
    login(client, expert)
    assert client.post(export_url(document, "pdf")).status_code == 405
    assert (
        client.post(reverse("drafting:document-redline", args=[document.slug])).status_code == 405
    )


# --- versions, meetings, dates -------------------------------------------------


def test_version_and_meeting_downloads_give_the_text_of_that_moment(client, expert, secretariat):
    document = make_document(by=secretariat, sections=1, practices=1)
    meeting = add_meeting(document, secretariat)
    version = name_version(document, secretariat)
    practice = document.sections.get().practices.get()
    practice.heading = "Changed after the version"
    stamp(practice, by=secretariat)
    practice.save()

    login(client, expert)
    old = client.get(export_url(document, "md", f"version={version.pk}"))
    assert old.status_code == 200
    assert "Practice 1.1" in old.content.decode() and "Changed after" not in old.content.decode()
    assert "version-draft-1" in old["Content-Disposition"]
    at_meeting = client.get(export_url(document, "html", f"meeting={meeting.pk}"))
    assert at_meeting.status_code == 200
    assert "Text at the opening of the Rabat review meeting" in at_meeting.content.decode()
    now = client.get(export_url(document, "md")).content.decode()
    assert "Changed after the version" in now


def test_unknown_version_meeting_or_format_is_404(client, expert, secretariat):
    document = make_document(by=secretariat)
    other = make_document(by=secretariat)
    foreign_version = name_version(other, secretariat)
    login(client, expert)
    for url in [
        export_url(document, "pdf", "version=999999"),
        export_url(document, "pdf", f"version={foreign_version.pk}"),
        export_url(document, "pdf", "version=abc"),
        export_url(document, "pdf", "meeting=999999"),
        export_url(document, "odt"),
        reverse("drafting:document-export", args=["no-such-document", "pdf"]),
    ]:
        assert client.get(url).status_code == 404, url


def test_a_bad_or_impossible_date_is_a_clear_400_page(client, expert, secretariat):
    document = make_document(by=secretariat)
    login(client, expert)
    response = client.get(export_url(document, "pdf", "at=next-tuesday"))
    assert response.status_code == 400
    assert "is not a date" in response.content.decode()
    response = client.get(export_url(document, "pdf", "at=1990-01-01"))
    assert response.status_code == 400
    assert "did not exist yet" in response.content.decode()


# --- the downloads page and redlines ----------------------------------------------


def test_exports_page_lists_versions_meetings_and_the_redline_form(client, observer, secretariat):
    document = make_document(by=secretariat)
    version = name_version(document, secretariat, "Draft for Rabat")
    meeting = add_meeting(document, secretariat)
    page = (
        login(client, observer)
        .get(reverse("drafting:document-exports", args=[document.slug]))
        .content.decode()
    )
    assert "Draft for Rabat" in page and "Rabat review meeting" in page
    assert f"version={version.pk}" in page and f"meeting={meeting.pk}" in page
    assert 'name="start"' in page and 'name="end"' in page and "Download redline" in page


@pytest.mark.parametrize("size", [(1, 2), (5, 6)])
def test_exports_page_and_download_queries_do_not_grow(
    client, expert, secretariat, django_assert_max_num_queries, size
):
    document = make_document(by=secretariat, sections=size[0], practices=size[1])
    for n in range(size[0]):
        name_version(document, secretariat, f"Draft {n}")
        add_meeting(document, secretariat)
    login(client, expert)
    with django_assert_max_num_queries(12):
        assert (
            client.get(reverse("drafting:document-exports", args=[document.slug])).status_code
            == 200
        )
    with django_assert_max_num_queries(16):
        assert client.get(export_url(document, "md")).status_code == 200


def test_redline_download_marks_changes_since_a_version(client, expert, secretariat):
    document = make_document(by=secretariat, sections=1, practices=2)
    version = name_version(document, secretariat)
    practice = document.sections.get().practices.order_by("position").first()
    practice.body = "Body of 1.1, amended."
    stamp(practice, by=secretariat)
    practice.save()
    make_practice(document.sections.get(), by=secretariat, heading="Added later")
    login(client, expert)
    response = client.get(
        reverse("drafting:document-redline", args=[document.slug]),
        {"start": f"v{version.pk}", "end": "now", "format": "md"},
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "Body of 1.1{++, amended++}." in text
    assert "{++Added later++}" in text
    assert "redline-version-draft-1-to-current.md" in response["Content-Disposition"]


def test_redline_between_two_dates_as_pdf(client, expert, secretariat):
    document = make_document(by=secretariat, sections=1, practices=1)
    login(client, expert)
    start = (timezone.localtime() - timedelta(days=400)).strftime("%Y-%m-%dT%H:%M")
    response = download(
        client,
        reverse("drafting:document-redline", args=[document.slug]),
        {"start": "date", "start_date": start, "end": "now", "format": "pdf"},
    )
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.content))
    assert "ADDED" in "".join(page.extract_text() for page in reader.pages)


def test_redline_that_starts_after_it_ends_is_a_form_error(client, expert, secretariat):
    document = make_document(by=secretariat)
    version = name_version(document, secretariat)
    login(client, expert)
    response = client.get(
        reverse("drafting:document-redline", args=[document.slug]),
        {"start": "now", "end": f"v{version.pk}", "format": "pdf"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "would start after it ends" in page and 'class="form-error"' in page


def test_redline_form_needs_a_date_when_a_date_is_chosen(client, expert, secretariat):
    document = make_document(by=secretariat)
    login(client, expert)
    response = client.get(
        reverse("drafting:document-redline", args=[document.slug]),
        {"start": "date", "end": "now", "format": "docx"},
    )
    assert response.status_code == 400
    assert "Give the date and time." in response.content.decode()
    response = client.get(
        reverse("drafting:document-redline", args=[document.slug]),
        {"start": "v999999", "end": "now", "format": "docx"},
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


# --- the management command --------------------------------------------------------


def test_command_writes_each_format(tmp_path, secretariat):
    document = make_document(by=secretariat)
    for fmt in ["pdf", "docx", "html", "md"]:
        out = tmp_path / f"out.{fmt}"
        call_command("export_document", document.slug, "--format", fmt, "--output", str(out))
        assert out.stat().st_size > 200
    assert "Good Practice 6" in pdf_text((tmp_path / "out.pdf").read_bytes())


def test_command_exports_a_version_a_date_a_meeting_and_a_redline(tmp_path, secretariat):
    document = make_document(by=secretariat, sections=1, practices=1)
    meeting = add_meeting(document, secretariat)
    name_version(document, secretariat, "Draft 2 — for Rabat")
    practice = document.sections.get().practices.get()
    practice.heading = "Later heading"
    stamp(practice, by=secretariat)
    practice.save()
    run = lambda *args: call_command(  # noqa: E731
        "export_document", document.slug, "--format", "md", "--output", str(tmp_path), *args
    )
    run("--version", "Draft 2 — for Rabat")
    files = {p.name: p.read_text() for p in tmp_path.iterdir()}
    [(name, text)] = files.items()
    assert name.startswith(f"{document.slug}-version-draft-2") and "Practice 1.1" in text
    run("--meeting", str(meeting.pk))
    run("--at", (timezone.localtime() + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M"))
    run("--redline-from", "version:Draft 2 — for Rabat")
    redline = next(p for p in tmp_path.iterdir() if "redline" in p.name).read_text()
    assert "{--Practice 1.1--}{++Later heading++}" in redline


@pytest.mark.parametrize(
    "args,message",
    [
        (["no-such-document"], "No document “no-such-document”"),
        (["SLUG", "--format", "odt"], "Unknown format “odt”"),
        (["SLUG", "--version", "Draft 9"], "has no version called “Draft 9”"),
        (["SLUG", "--meeting", "999999"], "has no meeting “999999”"),
        (["SLUG", "--at", "soon"], "“soon” is not a date"),
        (["SLUG", "--at", "1990-01-01"], "did not exist yet"),
        (["SLUG", "--redline-from", "Draft 9"], "neither “now”, a date"),
        (["SLUG", "--at", "2001-01-01", "--redline-from", "now"], "would start after it ends"),
    ],
)
def test_command_errors_say_what_is_wrong(tmp_path, secretariat, args, message):
    document = make_document(by=secretariat)
    args = [document.slug if a == "SLUG" else a for a in args]
    with pytest.raises(CommandError, match=message):
        call_command("export_document", *args, "--output", str(tmp_path / "x"))
    assert not (tmp_path / "x").exists()


def test_download_menu_on_a_version_or_meeting_page_downloads_that_text(rf, expert, secretariat):
    from django.template.loader import render_to_string

    document = make_document(by=secretariat)
    version = name_version(document, secretariat)
    meeting = add_meeting(document, secretariat)
    request = rf.get("/")
    request.user = expert
    context = {"document": document, "user": expert}
    menu = render_to_string(
        "drafting/partials/export_menu.html", {**context, "export_version": version.pk}, request
    )
    assert export_url(document, "pdf", f"version={version.pk}") in menu
    assert "this version" in menu
    menu = render_to_string(
        "drafting/partials/export_menu.html", {**context, "export_meeting": meeting.pk}, request
    )
    assert export_url(document, "docx", f"meeting={meeting.pk}") in menu
    menu = render_to_string("drafting/partials/export_menu.html", context, request)
    assert f'href="{export_url(document, "md")}"' in menu
