"""A reservation with a mouse: an expert records it in place (htmx), the secretariat accepts
it for the record, and it shows in the matrix and as a footnote of the text."""

import pytest
from playwright.sync_api import expect

from drafting.models import Position, Practice
from tests.conftest import make_document

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reservation_recorded_accepted_for_the_record_and_shown_in_the_matrix(
    page_for, live_server, expert, secretariat
):
    document = make_document(by=secretariat, sections=1, practices=2)
    practice = Practice.objects.filter(section__document=document).order_by("position").first()
    delegation = expert.profile.delegation

    # The expert records a reservation under the practice, without leaving the page.
    as_expert = page_for(expert)
    as_expert.goto(live_server.url + practice.section.get_absolute_url())
    block = as_expert.locator(f"#positions-{practice.pk}")
    block.get_by_text(f"Change the position of {delegation.code}").click()
    block.get_by_label("Reservation", exact=True).check()
    block.get_by_label("Statement (for a reservation or an objection)").fill(
        "Subject to our constitutional provisions on data protection."
    )
    url_before = as_expert.url
    block.get_by_role("button", name="Record position").click()
    expect(as_expert.locator(f"#positions-{practice.pk} .position-own")).to_contain_text(
        "Reservation"
    )
    assert as_expert.url == url_before  # swapped in place by htmx, no reload

    # The secretariat sees it on the section page and accepts it for the record.
    clerk = page_for(secretariat)
    clerk.goto(live_server.url + practice.section.get_absolute_url())
    others = clerk.locator(f"#positions-{practice.pk} .positions-all")
    expect(others).to_contain_text(delegation.name)
    expect(others).to_contain_text("Subject to our constitutional provisions")
    others.get_by_role("button", name="Accept for the record").click()
    expect(clerk.locator(f"#positions-{practice.pk} .positions-all")).to_contain_text(
        "accepted for the record"
    )

    # The matrix shows the reservation on the record for that delegation.
    clerk.goto(f"{live_server.url}/documents/{document.slug}/positions/")
    row = clerk.locator(f"#matrix-{practice.pk}")
    expect(row).to_contain_text("Good Practice 1")
    expect(row.locator("td.stance-reservation")).to_have_text("R*")
    expect(row.locator("td.stance-reservation")).to_have_attribute(
        "title",
        "Reservation (accepted for the record): "
        "Subject to our constitutional provisions on data protection.",
    )
    clerk.get_by_label("Show").select_option("objections")
    clerk.get_by_role("button", name="Filter").click()
    expect(clerk.locator(".position-matrix")).to_contain_text("No practice matches.")

    # And the document page prints it as a footnote in the forum's words.
    clerk.goto(live_server.url + document.get_absolute_url())
    expect(clerk.locator(f"#practice-{practice.pk} .reservation-notes")).to_contain_text(
        f"The delegation of {delegation.name} reserves its position on this practice: "
        "Subject to our constitutional provisions on data protection."
    )
    position = Position.objects.get()
    assert position.for_the_record
    assert position.history.latest().history_user == secretariat
