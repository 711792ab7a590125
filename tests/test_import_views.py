"""The secretariat's import pages: upload -> preview (nothing saved) -> confirm or cancel."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from drafting.models import Amendment, Comment, Document, Practice, Section
from tests.conftest import login, make_delegation

FIXTURES = Path(__file__).parent / "fixtures" / "import"
pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (Document, Section, Practice, Amendment, Comment))


def _upload(client, name: str, data: bytes | None = None):
    data = (FIXTURES / name).read_bytes() if data is None else data
    return client.post(reverse("drafting:import-start"), {"file": SimpleUploadedFile(name, data)})


def _preview_url(response) -> str:
    assert response.status_code == 302, response.content[:500]
    return response["Location"]


def test_home_page_links_the_secretariat_to_the_import_page(client, secretariat, expert):
    login(client, secretariat)
    assert reverse("drafting:import-start") in client.get(reverse("drafting:home")).text
    login(client, expert)
    assert reverse("drafting:import-start") not in client.get(reverse("drafting:home")).text


def test_experts_and_observers_are_refused_with_the_reason(client, expert, observer):
    for user in (expert, observer):
        login(client, user)
        response = client.get(reverse("drafting:import-start"))
        assert response.status_code == 403
        assert "Only the secretariat imports drafts" in response.text


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(reverse("drafting:import-start"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_preview_shows_the_structure_and_saves_nothing(client, secretariat):
    login(client, secretariat)
    before = _counts()
    url = _preview_url(_upload(client, "vessen-community-policing.messy.docx"))
    page = client.get(url)
    assert page.status_code == 200
    html = page.text
    assert "The Vessen Memorandum on Good Practices" in html
    assert "I. Building Trust between Police and Communities" in html
    assert "Good Practice 19" in html
    assert "Not placed: “Document history" in html  # the status table, with its reason
    assert "Delegation of Estmark" in html  # an author to map to a delegation
    assert _counts() == before


def test_confirm_writes_everything_as_one_change_with_mapped_amendments(client, secretariat):
    norvania = make_delegation(name="Norvania", code="NOR")
    estmark = make_delegation(name="Estmark", code="EST")
    login(client, secretariat)
    url = _preview_url(_upload(client, "vessen-community-policing.messy.docx"))
    page = client.get(url)
    form = page.context["form"]
    data = {
        "changes": "amendments",
        "label_term": "Good Practice",
        "title": "",
        "forum": "Global Forum",
        "confirm": "1",
    }
    for n, author in enumerate(form.authors):
        data[f"author_{n}"] = {"Delegation of Norvania": norvania.pk}.get(author, "")
        if author == "Delegation of Estmark":
            data[f"author_{n}"] = estmark.pk
    response = client.post(url, data)
    document = Document.objects.get()
    assert response.status_code == 302 and response["Location"] == document.get_absolute_url()
    assert document.forum == "Global Forum"
    assert Practice.objects.filter(section__document=document).count() == 19
    assert {(a.delegation.code, a.kind) for a in Amendment.objects.all()} == {
        ("NOR", "change"),
        ("EST", "change"),
        ("EST", "new"),
    }
    reason = f"Imported from vessen-community-policing.messy.docx by {secretariat.get_full_name()}."
    assert {r.history_change_reason for r in Practice.history.all()} == {reason}
    # The upload is gone from the session: confirming twice cannot import twice.
    assert client.post(url, data).status_code == 404
    assert Document.objects.count() == 1


def test_the_waiting_upload_is_not_carried_in_the_session(client, secretariat):
    """The session is read on every page: a 20 MB upload must not ride along with it."""
    login(client, secretariat)
    name = "vessen-community-policing.messy.docx"
    url = _preview_url(_upload(client, name))
    size = (FIXTURES / name).stat().st_size
    assert len(str(dict(client.session.items()))) < size / 10
    assert client.get(url).status_code == 200  # the file is still there for the preview


def test_cancel_writes_nothing_and_forgets_the_upload(client, secretariat):
    login(client, secretariat)
    url = _preview_url(_upload(client, "tarrow-schools-extract.md"))
    token = url.rstrip("/").rsplit("/", 1)[-1]
    before = _counts()
    response = client.post(reverse("drafting:import-cancel", args=[token]))
    assert response.status_code == 302
    assert client.get(url).status_code == 404
    assert _counts() == before


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("draft.pdf", b"%PDF-1.7", "not a Word (.docx) or Markdown (.md) file"),
        ("draft.docx", b"PK\x03\x04broken", "not a valid Word file"),
        ("draft.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, "password-protected"),
    ],
)
def test_bad_files_get_a_message_next_to_the_field(client, secretariat, name, data, says):
    login(client, secretariat)
    before = _counts()
    response = _upload(client, name, data)
    assert response.status_code == 422
    assert says in response.text
    assert _counts() == before


def test_a_file_over_the_limit_is_refused_next_to_the_field(client, secretariat, settings):
    settings.DRAFTING_MAX_UPLOAD_BYTES = 1000
    login(client, secretariat)
    response = _upload(client, "big.md", b"x" * 1001)
    assert response.status_code == 422
    assert "files up to" in response.text


def test_a_file_without_practices_cannot_be_confirmed(client, secretariat):
    login(client, secretariat)
    url = _preview_url(_upload(client, "prose.md", b"# A title\n\nJust prose.\n"))
    assert "No practice was found" in client.get(url).text
    response = client.post(url, {"changes": "reject", "confirm": "1"})
    assert response.status_code == 422
    assert "nothing was imported" in response.text
    assert Document.objects.count() == 0


@pytest.mark.parametrize(
    "name", ["tarrow-schools-extract.md", "vessen-community-policing.messy.docx"]
)
def test_preview_queries_do_not_grow_with_the_draft(
    client, secretariat, name, django_assert_max_num_queries
):
    # 4 practices and no authors, or 19 practices and five Word authors: the same queries.
    for n in range(30):
        make_delegation(name=f"Member {n}", code=f"M{n}")
    login(client, secretariat)
    url = _preview_url(_upload(client, name))
    with django_assert_max_num_queries(8):
        assert client.get(url).status_code == 200


def test_an_upload_refused_at_preview_sends_back_to_the_upload_page(client, secretariat, settings):
    login(client, secretariat)
    url = _preview_url(_upload(client, "tarrow-schools-extract.md"))
    settings.DRAFTING_MAX_UPLOAD_BYTES = 100  # lowered while the upload waited
    response = client.get(url, follow=True)
    assert response.redirect_chain[-1][0] == reverse("drafting:import-start")
    assert "files up to" in response.text
    assert client.get(url).status_code == 404  # forgotten


def test_the_preview_page_needs_nothing_the_content_security_policy_forbids(client, secretariat):
    from tests.test_csp import _violations

    login(client, secretariat)
    url = _preview_url(_upload(client, "vessen-community-policing.messy.docx"))
    response = client.get(url)
    assert response["Content-Security-Policy"]
    assert "no-store" in response["Cache-Control"]
    assert _violations(response.text) == []


def test_a_draft_too_big_for_one_document_is_refused_on_the_preview(client, secretariat, settings):
    """The probe learned this only after a long confirm; now the preview says so."""
    settings.DRAFTING_MAX_PRACTICES_PER_DOCUMENT = 3
    login(client, secretariat)
    before = _counts()
    url = _preview_url(_upload(client, "vessen-community-policing.md"))
    page = client.get(url)
    assert page.status_code == 422
    assert "too big for one document" in page.text and "at most 3 practices" in page.text
    response = client.post(url, {"confirm": "1", "changes": "reject", "title": "T"})
    assert response.status_code == 422
    assert _counts() == before
