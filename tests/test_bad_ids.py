"""Ids typed into a query or form that look like digits but are not numbers ("²", "١٢")."""

import pytest
from django.urls import reverse

from drafting.models import Comment
from tests.conftest import login

pytestmark = pytest.mark.django_db

# "²" and Arabic-Indic "١٢" are digits to str.isdigit(); "²" is not a number to int().
NOT_IDS = ["²", "١٢", "１２"]


@pytest.mark.parametrize("value", NOT_IDS)
def test_add_after_a_non_ascii_id_is_not_found(client, expert, document, value):
    login(client, expert)
    section = document.sections.first()
    url = reverse("drafting:practice-add", args=[section.pk])
    assert client.get(url, {"after": value}).status_code == 404


@pytest.mark.parametrize("value", NOT_IDS)
def test_comment_on_a_non_ascii_practice_id_lands_on_the_section(client, expert, document, value):
    login(client, expert)
    section = document.sections.first()
    response = client.post(
        reverse("drafting:comment-create", args=[section.pk]),
        {"body": "A remark.", "practice": value},
    )
    assert response.status_code < 500
    assert not Comment.objects.filter(practice__isnull=False).exists()


@pytest.mark.parametrize("value", NOT_IDS)
def test_export_of_a_non_ascii_version_id_is_not_found(client, expert, document, value):
    login(client, expert)
    url = reverse("drafting:document-export", args=[document.slug, "md"])
    response = client.get(url, {"version": value})
    assert response.status_code in {400, 404}
