"""An edit that can no longer be saved comes back with the typed text (nothing is lost)."""

import pytest
from django.urls import reverse

from drafting import actions
from drafting.models import Practice
from tests.conftest import login

pytestmark = pytest.mark.django_db

TYPED = "Les États devraient [consulter] les communautés — نص مكتوب بعناية."


def _post_edit(client, practice, **extra):
    return client.post(
        reverse("drafting:practice-edit", args=[practice.pk]),
        {"heading": "My heading", "body": TYPED, "base_revision": practice.revision, "reason": ""},
        **extra,
    )


@pytest.mark.parametrize("htmx", [False, True])
def test_edit_of_a_practice_deleted_meanwhile_shows_the_typed_text(
    client, expert, secretariat, document, htmx
):
    practice = document.sections.first().practices.first()
    actions.delete_practice(practice, by=secretariat, reason="Merged into GP 2.")
    login(client, expert)
    response = _post_edit(client, practice, **({"HTTP_HX_REQUEST": "true"} if htmx else {}))
    assert response.status_code == 409
    page = response.content.decode()
    assert "was deleted by" in page and "Deleted page" in page
    assert "Les États devraient [consulter] les communautés" in page
    assert not Practice.objects.filter(pk=practice.pk).exists()


def test_edit_after_the_section_went_to_review_keeps_the_text_and_offers_an_amendment(
    client, expert, document
):
    section = document.sections.first()
    practice = section.practices.first()
    actions.request_review(section, by=expert)
    login(client, expert)
    response = _post_edit(client, practice)
    assert response.status_code == 403
    page = response.content.decode()
    assert "نص مكتوب بعناية" in page
    assert reverse("drafting:amendment-propose-change", args=[practice.pk]) in page
    practice.refresh_from_db()
    assert TYPED not in practice.body


def test_observer_still_gets_the_plain_refusal(client, observer, document):
    practice = document.sections.first().practices.first()
    login(client, observer)
    response = _post_edit(client, practice)
    assert response.status_code == 403
    assert "Propose it as an amendment" not in response.content.decode()


def test_a_practice_that_never_existed_is_not_found(client, expert, document):
    login(client, expert)
    response = client.post(
        reverse("drafting:practice-edit", args=[987654]),
        {"heading": "x", "body": "y", "base_revision": 1},
    )
    assert response.status_code == 404
