"""Downloading a PDF with a mouse: the job page shows the wait, then the file arrives."""

import pytest
from playwright.sync_api import expect

from drafting.actions import exports as job_actions
from drafting.history import points
from drafting.models import ExportJob
from tests.conftest import make_document

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_click_pdf_see_the_wait_and_get_the_file(
    page_for, live_server, expert, other_expert, secretariat, settings
):
    # One at a time on the site. The job runs within the page's poll (tests' "inline" mode):
    # a thread of its own would open a second connection to the live server's in-memory
    # SQLite database, whose table locks do not wait (test_export_jobs covers the thread).
    settings.EXPORT_MAX_RUNNING = 1
    document = make_document(by=secretariat, sections=2, practices=2)
    # Someone else's PDF is being made, so this one has to wait its turn.
    job_actions.start_job(
        document,
        "docx",
        points.NOW,
        redline_from=None,
        by=other_expert,
        source_url="/",
        label="Word file of the current text",
        practices=4,
    )
    blocker = job_actions.claim_next()

    page = page_for(expert)
    page.goto(live_server.url + document.get_absolute_url())
    page.locator(".export-menu summary").click()
    page.locator(".export-menu").get_by_role("link", name="PDF").click()
    status = page.locator("#export-job")
    expect(status).to_contain_text("Waiting")
    expect(status).to_contain_text("1 export ahead of yours")
    expect(page.locator("progress")).to_be_visible()

    # The other export ends; the page's next poll starts this one and fetches the file.
    with page.expect_download(timeout=60_000) as download:
        job_actions.finish_job(
            blocker.pk, digest="gone", filename="x.docx", content_type="application/x"
        )
    assert download.value.suggested_filename == f"{document.slug}-current.pdf"
    with open(download.value.path(), "rb") as pdf_file:
        assert pdf_file.read(5) == b"%PDF-"
    expect(status).to_contain_text("Ready")
    expect(status.get_by_role("link", name="Download")).to_be_visible()
    assert ExportJob.objects.get(requested_by=expert).state == ExportJob.State.DONE
