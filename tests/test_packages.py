"""Adoption packages (issue 14): building one, what it holds, that it never changes, checking it.

A package is built by the secretariat from the text as it was submitted for
adoption; every drafting role downloads it; ``verify_package`` tells an intact
ZIP from a changed one. The ZIPs are read back as a recipient would: the
manifest, the digests, the PDF's last page (pypdf), the Word file (python-docx).
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import date

import docx
import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from drafting import actions
from drafting.actions.packages import build_adoption_package
from drafting.export import docx as docx_writer
from drafting.export import pdf
from drafting.export.snapshot import DIGEST_LEAD, build
from drafting.history import stamp
from drafting.models import (
    AdoptionPackage,
    AdoptionPackageFile,
    Document,
    ExpertProfile,
    ReviewMeeting,
)
from tests.conftest import NOT_AGREED, login, make_delegation, make_document, make_user

pytestmark = pytest.mark.django_db

Role = ExpertProfile.Role
RESERVATION = "Our law reserves this power to the courts."


@dataclass
class World:
    document: Document
    secretariat: object
    expert: object
    observer: object
    plenary: ReviewMeeting


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def submitted_world(*, submit: bool = True) -> World:
    """A document that went the whole way: a circulated version, an edit after it, a
    reservation accepted for the record, both sections approved, submitted (if ``submit``)."""
    secretariat = make_user(Role.SECRETARIAT)
    expert = make_user(Role.EXPERT, delegation=make_delegation(name="Atlantis", code="AT"))
    observer = make_user(Role.OBSERVER)
    document = make_document(by=secretariat, sections=2, practices=2, title="Good Practices on X")
    actions.name_version(document, by=secretariat, name="Draft 1 — circulated to members")
    first, second = document.sections.order_by("position")
    practice = first.practices.order_by("position").first()
    practice = actions.update_practice(
        practice,
        by=expert,
        heading="Practice 1.1",
        body="Rewritten after Draft 1.",
        base_revision=1,
    )
    position = actions.state_position(
        practice,
        by=expert,
        delegation=expert.profile.delegation,
        stance="reservation",
        text=RESERVATION,
    )
    actions.record_reservation(position, by=secretariat)
    plenary = ReviewMeeting(
        document=document,
        kind=ReviewMeeting.Kind.MINISTERIAL,
        title="Ninth Ministerial Plenary",
        city="New York",
        starts_on=date(2018, 9, 26),
        ends_on=date(2018, 9, 27),
        outcome="Text agreed for adoption.",
    )
    stamp(plenary, by=secretariat, reason="Test meeting.")
    plenary.save()
    actions.open_document_review(document, by=secretariat)
    for section in (first, second):
        actions.request_review(section, by=expert)
        actions.approve_section(section, by=secretariat, not_agreed_reason=NOT_AGREED)
    actions.finalise_document(document, by=secretariat)
    if submit:
        actions.submit_document(document, by=secretariat, meeting=plenary)
    document.refresh_from_db()
    return World(document, secretariat, expert, observer, plenary)


@pytest.fixture(autouse=True)
def typeset_here(settings):
    """Typeset in this process: the compiler keeps its fonts loaded between the PDFs of a
    package and between tests (a child per PDF is export tests' subject, and slow here)."""
    settings.EXPORT_TYPESET_IN_CHILD = False
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world() -> World:
    return submitted_world()


def _zip(package: AdoptionPackage) -> bytes:
    return bytes(AdoptionPackageFile.objects.get(package=package).content)


def _files(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _verify(tmp_path, data: bytes, name: str = "package.zip") -> tuple[int, str]:
    path = tmp_path / name
    path.write_bytes(data)
    out = io.StringIO()
    try:
        call_command("verify_package", str(path), stdout=out)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, out.getvalue()


# --- building, through the page, and what the ZIP holds ---------------------------------


def test_the_secretariat_builds_a_package_and_everyone_reads_it_back(client, world):
    login(client, world.secretariat)
    page = client.get(reverse("drafting:package-list", args=[world.document.slug]))
    assert page.status_code == 200
    assert "Build adoption package" in page.content.decode()
    response = client.post(
        reverse("drafting:package-build", args=[world.document.slug]), {"seen_package": "0"}
    )
    assert response.status_code == 302
    package = AdoptionPackage.objects.get(document=world.document)
    row = package.history.get()
    assert row.history_user == world.secretariat
    assert row.history_change_reason.startswith("Adoption package built from the text submitted")
    listing = client.get(response["Location"]).content.decode()
    assert package.text_digest in listing and package.zip_digest in listing

    # Observers download it as built.
    login(client, world.observer)
    url = reverse("drafting:package-download", args=[world.document.slug, package.pk])
    download = client.get(url)
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip"
    data = download.content
    assert _sha(data) == package.zip_digest and len(data) == package.size

    files = _files(data)
    manifest = json.loads(files.pop("manifest.json"))
    assert sorted(files) == sorted(
        [
            "clean-text.md",
            "clean-text.pdf",
            "clean-text.docx",
            "redline.pdf",
            "redline.docx",
            "reservations.docx",
            "record.docx",
        ]
    )
    for entry in manifest["files"]:
        assert _sha(files[entry["name"]]) == entry["sha256"], entry["name"]
        assert len(files[entry["name"]]) == entry["size"], entry["name"]
    # The clean text digest is the SHA-256 of clean-text.md, as the manifest says.
    assert manifest["text_digest"]["value"] == package.text_digest == _sha(files["clean-text.md"])
    assert "Rewritten after Draft 1." in files["clean-text.md"].decode()
    assert manifest["document"]["slug"] == world.document.slug
    assert manifest["built_by"]["username"] == world.secretariat.username
    assert manifest["text"]["moment"] == package.point["when"]
    assert manifest["redline"]["version"] == "Draft 1 — circulated to members"

    # The digest is printed on the clean PDF's last page and at the end of the Word file.
    reader = PdfReader(io.BytesIO(files["clean-text.pdf"]))
    last_page = reader.pages[-1].extract_text()
    assert package.text_digest in last_page.replace("\n", "").replace(" ", "")
    paragraphs = [p.text for p in docx.Document(io.BytesIO(files["clean-text.docx"])).paragraphs]
    assert paragraphs[-2:] == [DIGEST_LEAD, package.text_digest]

    # The redline starts at the circulated version and shows the edit made since.
    redline = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(files["redline.pdf"])).pages)
    assert "Draft 1" in redline and "Rewritten" in redline
    assert package.text_digest not in redline.replace("\n", "")

    # The reservation for the record, readable and in the manifest.
    reservations = "\n".join(
        p.text for p in docx.Document(io.BytesIO(files["reservations.docx"])).paragraphs
    )
    assert RESERVATION in reservations and "Atlantis" in reservations
    assert [r["statement"] for r in manifest["reservations"]] == [RESERVATION]

    # The record of the process: meetings, versions, who approved which section when.
    record = "\n".join(p.text for p in docx.Document(io.BytesIO(files["record.docx"])).paragraphs)
    assert "Ninth Ministerial Plenary" in record and "Text agreed for adoption." in record
    assert "Draft 1 — circulated to members" in record
    approvals = manifest["record"]["approvals"]
    assert [a["section"] for a in approvals] == ["Section 1", "Section 2"]
    assert all(world.secretariat.last_name in a["approved_by"] for a in approvals)
    assert all(f"Section {n} — approved by" in record for n in (1, 2))
    assert "Reservations for the record" in record and RESERVATION in record
    assert [s["status"] for s in manifest["record"]["steps"]][-1] == "Submitted for adoption"


def test_without_a_named_version_the_redline_runs_from_the_start(world):
    world.document.versions.all().delete()  # (test set-up: versions are not draft text)
    package = build_adoption_package(world.document, by=world.secretariat)
    manifest = json.loads(_files(_zip(package))["manifest.json"])
    assert manifest["redline"] == {"from": "the start of the document", "version": ""}


# --- immutability ------------------------------------------------------------------------


def test_a_package_is_never_changed_and_a_rebuild_is_a_new_one(world):
    first = build_adoption_package(world.document, by=world.secretariat)
    data = _zip(first)
    first.text_digest = "0" * 64
    with pytest.raises(PermissionDenied):
        first.save()
    with pytest.raises(PermissionDenied):
        first.delete()
    stored_file = AdoptionPackageFile.objects.get(package=first)
    stored_file.content = b"replaced"
    with pytest.raises(PermissionDenied):
        stored_file.save()

    # Withdrawn, submitted again, rebuilt: a second package; the first stays as it was.
    actions.withdraw_submission(world.document, by=world.secretariat, reason="Postponed.")
    actions.submit_document(world.document, by=world.secretariat, meeting=world.plenary)
    second = build_adoption_package(world.document, by=world.secretariat, seen_package=first.pk)
    assert second.pk != first.pk
    assert second.document_history_id > AdoptionPackage.objects.get(pk=first.pk).document_history_id
    again = AdoptionPackage.objects.get(pk=first.pk)
    assert _zip(again) == data and again.zip_digest == _sha(data)
    assert again.text_digest != "0" * 64
    assert again.history.count() == 1


def test_an_adopted_document_can_still_have_a_package_of_its_submitted_text(world):
    before = build_adoption_package(world.document, by=world.secretariat)
    actions.adopt_document(world.document, by=world.secretariat, adopted_on=timezone.localdate())
    after = build_adoption_package(world.document, by=world.secretariat)
    assert after.document_history_id == before.document_history_id
    assert after.text_digest == before.text_digest


# --- verify_package ----------------------------------------------------------------------


def test_verify_package_says_an_untouched_package_is_intact(world, tmp_path):
    package = build_adoption_package(world.document, by=world.secretariat)
    code, out = _verify(tmp_path, _zip(package))
    assert code == 0, out
    assert out.startswith("intact:") and package.text_digest in out


def _rezip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_verify_package_names_what_was_changed(world, tmp_path):
    package = build_adoption_package(world.document, by=world.secretariat)
    files = _files(_zip(package))
    files["clean-text.md"] = files["clean-text.md"].replace(b"Rewritten", b"Softened")
    code, out = _verify(tmp_path, _rezip(files))
    assert code == 1
    assert "NOT intact" in out
    assert "is not that of any stored adoption package" in out
    assert "clean-text.md differs from the manifest" in out
    assert "clean-text.pdf" not in out  # what did not change is not blamed


def test_verify_package_names_files_missing_and_added(world, tmp_path):
    package = build_adoption_package(world.document, by=world.secretariat)
    files = _files(_zip(package))
    del files["redline.pdf"]
    files["extra.txt"] = b"slipped in"
    code, out = _verify(tmp_path, _rezip(files))
    assert code == 1
    assert "redline.pdf is listed in the manifest but missing from the ZIP." in out
    assert "extra.txt is in the ZIP but not in the manifest." in out


def test_verify_package_notices_a_manifest_made_to_match(world, tmp_path):
    """Changing a file and its line in the manifest still differs from the stored record."""
    package = build_adoption_package(world.document, by=world.secretariat)
    files = _files(_zip(package))
    files["record.docx"] = b"another record"
    manifest = json.loads(files["manifest.json"])
    for entry in manifest["files"]:
        if entry["name"] == "record.docx":
            entry["sha256"], entry["size"] = _sha(b"another record"), len(b"another record")
    files["manifest.json"] = json.dumps(manifest).encode()
    code, out = _verify(tmp_path, _rezip(files))
    assert code == 1
    assert "The manifest's entry for record.docx differs from the stored one." in out


def test_verify_package_notices_history_that_no_longer_gives_the_text(world, tmp_path):
    package = build_adoption_package(world.document, by=world.secretariat)
    delegation = world.expert.profile.delegation
    delegation.name = "Atlantis (renamed)"  # printed in the reservation's footnote
    stamp(delegation, by=world.secretariat, reason="Renamed.")
    delegation.save()
    code, out = _verify(tmp_path, _zip(package))
    assert code == 1
    assert "rebuilt from the history" in out


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"%PDF-1.7 not a zip at all", "not a ZIP file"),
        (b"", "not a ZIP file"),
        (_rezip({"notes.txt": b"hello"}), "holds no manifest.json"),
        (_rezip({"manifest.json": b"{not json"}), "is not JSON"),
        (_rezip({"manifest.json": b'{"format": "other"}'}), "not an adoption package"),
    ],
)
def test_verify_package_refuses_what_is_not_a_package_without_a_traceback(tmp_path, content, says):
    code, out = _verify(tmp_path, content)
    assert code == 1
    assert "NOT a package" in out and says in out
    assert "Traceback" not in out


def test_verify_package_on_a_missing_file_says_so(tmp_path):
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("verify_package", str(tmp_path / "nowhere.zip"), stdout=out)
    assert exit_.value.code == 1
    assert "Cannot read" in out.getvalue()


# --- refusals ------------------------------------------------------------------------------


def test_no_package_before_submission_and_only_the_secretariat_builds_one(client):
    world = submitted_world(submit=False)
    url = reverse("drafting:package-build", args=[world.document.slug])
    login(client, world.secretariat)
    response = client.post(url, {"seen_package": "0"})
    assert response.status_code == 403
    assert "once the document has been submitted for adoption" in response.content.decode()
    page = client.get(reverse("drafting:package-list", args=[world.document.slug]))
    assert "Build adoption package" not in page.content.decode()
    actions.submit_document(world.document, by=world.secretariat, meeting=world.plenary)
    for user in (world.expert, world.observer):
        login(client, user)
        response = client.post(url, {"seen_package": "0"})
        assert response.status_code == 403
        assert "Only the secretariat builds the adoption package." in response.content.decode()
    assert not AdoptionPackage.objects.exists()
    assert client.get(url).status_code == 405


def test_a_second_click_builds_nothing_more(client, world):
    login(client, world.secretariat)
    url = reverse("drafting:package-build", args=[world.document.slug])
    assert client.post(url, {"seen_package": "0"}).status_code == 302
    response = client.post(url, {"seen_package": "0"})  # the same page, submitted again
    assert response.status_code == 422
    assert "A package was built after you opened this page" in response.content.decode()
    assert AdoptionPackage.objects.count() == 1
    assert client.post(url, {"seen_package": "x"}).status_code == 422


def test_a_forged_package_id_is_a_404(client, world, secretariat):
    package = build_adoption_package(world.document, by=world.secretariat)
    other = make_document(by=secretariat, sections=1, practices=1)
    login(client, world.observer)
    for slug, pk in ((world.document.slug, package.pk + 1000), (other.slug, package.pk)):
        response = client.get(reverse("drafting:package-download", args=[slug, pk]))
        assert response.status_code == 404, (slug, pk)


def test_without_a_role_packages_are_refused_and_anonymous_visitors_log_in(client, world):
    package = build_adoption_package(world.document, by=world.secretariat)
    url = reverse("drafting:package-download", args=[world.document.slug, package.pk])
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    login(client, make_user(None))
    response = client.get(url)
    assert response.status_code == 403 and "no drafting role" in response.content.decode()


# --- the digest line in the renderers ------------------------------------------------------


def test_the_digest_line_is_added_only_when_given(world):
    model = build(world.document)
    assert DIGEST_LEAD not in pdf.source(model)
    plain_docx = docx.Document(io.BytesIO(docx_writer.render(model)))
    assert DIGEST_LEAD not in [p.text for p in plain_docx.paragraphs]
    model.text_digest = "ab" * 32
    source = pdf.source(model)
    assert source.rstrip().endswith('#raw("' + "ab" * 32 + '")]')
    with_digest = docx.Document(io.BytesIO(docx_writer.render(model)))
    assert [p.text for p in with_digest.paragraphs][-2:] == [DIGEST_LEAD, "ab" * 32]


# --- the list page: a fixed number of queries ----------------------------------------------


def _stored(document: Document, by, n: int) -> None:
    """``n`` package records (test set-up: the list page reads records, never the ZIPs)."""
    row = Document.history.filter(id=document.pk).order_by("-history_id").first()
    for i in range(n):
        package = AdoptionPackage(
            document=document,
            built_by=by,
            built_at=row.history_date,
            point={"kind": "date", "label": "Text submitted", "slug": "s", "when": None},
            document_history_id=row.history_id,
            text_digest=f"{i:064x}",
            zip_digest=f"{i + 100:064x}",
            size=10,
            manifest={"files": []},
        )
        stamp(package, by=by, reason="Test set-up.")
        package.save()


@pytest.mark.parametrize("n", [1, 8])
def test_the_package_list_reads_a_fixed_number_of_queries(
    client, world, django_assert_max_num_queries, n
):
    _stored(world.document, world.secretariat, n)
    login(client, world.observer)
    url = reverse("drafting:package-list", args=[world.document.slug])
    with django_assert_max_num_queries(8):
        page = client.get(url)
    assert page.status_code == 200
    assert page.content.decode().count("Download package (ZIP)") == n
