"""Building an adoption package with a mouse, on a phone-sized screen (390 px)."""

import pytest
from playwright.sync_api import expect

from drafting.models import AdoptionPackage
from tests.test_packages import submitted_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_secretariat_builds_a_package_from_the_download_menu(page_for, live_server, settings):
    settings.EXPORT_TYPESET_IN_CHILD = False
    world = submitted_world()
    page = page_for(world.secretariat, viewport={"width": 390, "height": 844})
    page.goto(live_server.url + world.document.get_absolute_url())
    page.locator(".export-menu summary").click()
    page.get_by_role("link", name="Adoption packages…").click()
    expect(page.get_by_role("heading", name="Adoption packages")).to_be_visible()
    expect(page.get_by_text("No package has been built yet.")).to_be_visible()
    page.get_by_role("button", name="Build adoption package").click()
    status = page.get_by_role("status")
    expect(status).to_contain_text("Adoption package built.")
    package = AdoptionPackage.objects.get(document=world.document)
    expect(status).to_contain_text(package.text_digest)
    expect(page.get_by_role("link", name="Download package (ZIP)")).to_have_count(1)
    # The digests wrap rather than push the page sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
