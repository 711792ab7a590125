"""The secretariat imports a messy Word draft in a real browser: upload, preview, map, confirm."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from drafting.models import Amendment, Document, Practice
from tests.conftest import make_delegation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DRAFT = Path(__file__).parent.parent / "fixtures" / "import" / "tarrow-schools-extract.messy.docx"


def test_upload_preview_map_authors_confirm_and_amendments_by_delegation(
    page_for, live_server, secretariat
):
    norvania = make_delegation(name="Norvania", code="NOR")
    make_delegation(name="Veloria", code="VEL")
    page = page_for(secretariat)
    page.get_by_role("link", name="Import a draft").click()
    page.set_input_files("#id_file", str(DRAFT))
    page.get_by_role("button", name="Read the file").click()

    # The preview: what was found, what was left out and why; nothing saved yet.
    expect(
        page.get_by_role("heading", name="Preview: tarrow-schools-extract.messy.docx")
    ).to_be_visible()
    expect(page.locator(".import-practice")).to_have_count(4)
    expect(page.locator(".left-out")).to_contain_text("Document history")
    assert Document.objects.count() == 0

    # Authors were matched to delegations by name; the secretariat changes one mapping.
    norvania_field = page.get_by_label("Delegation of Norvania")
    expect(norvania_field).to_have_value(str(norvania.pk))
    page.get_by_label("Delegation of Estmark").select_option(label="Veloria")
    page.get_by_label("Import the text without the changes; each author").check()
    page.get_by_role("button", name="Confirm import").click()

    expect(page.locator(".message")).to_contain_text(
        "Imported from tarrow-schools-extract.messy.docx"
    )
    document = Document.objects.get()
    assert Practice.objects.filter(section__document=document).count() == 4
    codes = sorted(Amendment.objects.values_list("delegation__code", flat=True))
    # Norvania's change, Veloria's two, and Estmark's footnote edit now under Veloria.
    assert codes == ["NOR", "VEL", "VEL", "VEL"]

    page.goto(f"{live_server.url}/documents/{document.slug}/amendments/")
    expect(page.locator("main")).to_contain_text("Norvania")
    expect(page.locator("main")).to_contain_text("Veloria")


def test_a_revised_copy_comes_back_as_amendments_of_a_delegation(
    page_for, live_server, secretariat, tmp_path
):
    """Upload a revised Word copy into its document, read the redline, record amendments."""
    import io

    import docx

    from drafting.export import build, render
    from tests.conftest import make_document

    document = make_document(by=secretariat, sections=2, practices=3)
    us = make_delegation(name="United States", code="US")
    revised = docx.Document(io.BytesIO(render(build(document), "docx").content))
    body = next(p for p in revised.paragraphs if p.text == "Body of 1.2.")
    body.runs[0].text = "Body of 1.2, as the co-leads revised it."
    path = tmp_path / "topic-revised.docx"
    revised.save(path)

    page = page_for(secretariat)
    page.goto(f"{live_server.url}{document.get_absolute_url()}")
    page.get_by_role("link", name="Import a revised draft…").click()
    page.set_input_files("#id_file", str(path))
    page.get_by_role("button", name="Compare with the current text").click()

    # The redline of the one changed practice; the others are listed as unchanged.
    expect(page.locator(".revision-counts")).to_contain_text("1 changed")
    expect(page.locator(".revision-counts")).to_contain_text("5 unchanged")
    changed = page.locator(".revision-changed")
    expect(changed.locator("ins")).to_contain_text("as the co-leads revised it")
    assert Amendment.objects.count() == 0

    page.get_by_label("Record them as amendments on behalf of a delegation").check()
    page.get_by_label("Amendments on behalf of", exact=True).select_option(label="United States")
    page.get_by_role("button", name="Import the differences").click()
    expect(page.locator(".message")).to_contain_text("Imported from topic-revised.docx")
    amendment = Amendment.objects.get()
    assert amendment.delegation == us and "co-leads revised" in amendment.proposed_body

    page.goto(f"{live_server.url}/documents/{document.slug}/amendments/")
    expect(page.locator("main")).to_contain_text("United States")
