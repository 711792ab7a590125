"""The document page leads to every place where text changes, in one click (issue 17).

Each practice carries the reader's route under it — "Edit" where they may edit
directly, "Propose a change" where they may only propose — decided by
permissions.text_route once per section; observers and the public get none; the
contents open the section pages; the page's queries do not grow with the
document; version pages and exports, which share the export body, carry no link.
"""

import pytest
from django.urls import reverse

from drafting import actions
from drafting.export import export
from drafting.history import stamp
from drafting.models import Practice
from tests.conftest import NOT_AGREED, login, make_document


def _page(client, user, document) -> str:
    response = login(client, user).get(document.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def _practices(document) -> list[Practice]:
    return list(
        Practice.objects.filter(section__document=document).order_by(
            "section__position", "position"
        )
    )


def test_expert_gets_edit_in_drafting_and_propose_in_review(client, expert, secretariat):
    document = make_document(by=secretariat, sections=2, practices=2)
    first, second = document.sections.order_by("position")
    actions.request_review(second, by=secretariat)
    p1, p2, p3, p4 = _practices(document)
    page = _page(client, expert, document)
    for practice in (p1, p2):
        assert f'href="{reverse("drafting:practice-edit", args=[practice.pk])}"' in page
    for practice in (p3, p4):
        assert f'href="{reverse("drafting:practice-edit", args=[practice.pk])}"' not in page
        assert f'href="{reverse("drafting:amendment-propose-change", args=[practice.pk])}"' in page
    assert 'aria-label="Edit the text of Good Practice 1">Edit</a>' in page
    assert 'aria-label="Propose a change to Good Practice 4">Propose a change</a>' in page
    # The section's own text and new practices, one click away as well.
    assert reverse("drafting:section-edit", args=[first.pk]) in page
    assert reverse("drafting:practice-add", args=[first.pk]) in page
    assert reverse("drafting:amendment-propose-practice", args=[second.pk]) in page
    assert "two-routes" in page
    # Front matter is the secretariat's.
    assert reverse("drafting:document-edit", args=[document.slug]) not in page


def test_secretariat_edits_sections_in_review_and_the_front_matter(client, secretariat):
    document = make_document(by=secretariat, sections=1, practices=1, introduction="Preamble.")
    actions.request_review(document.sections.get(), by=secretariat)
    (practice,) = _practices(document)
    page = _page(client, secretariat, document)
    assert f'href="{reverse("drafting:practice-edit", args=[practice.pk])}"' in page
    assert f"{reverse('drafting:document-edit', args=[document.slug])}#id_introduction" in page
    assert "Edit the title page and introduction" in page
    assert "two-routes" not in page  # one route offered: nothing to choose between


def test_observer_and_public_see_no_edit_links(client, observer, secretariat):
    document = make_document(by=secretariat, sections=1, practices=2)
    page = _page(client, observer, document)
    assert "edit-link" not in page and "Propose a change" not in page
    assert "/edit/" not in page and "two-routes" not in page
    document.status = document.Status.ADOPTED
    stamp(document, by=secretariat, reason="Adopted for the test.")
    document.save()
    client.logout()
    public = client.get(document.get_absolute_url())
    assert public.status_code == 200
    assert "edit-link" not in public.content.decode()


def test_expert_gets_nothing_on_an_approved_section(client, expert, secretariat):
    document = make_document(by=secretariat, sections=1, practices=1)
    section = document.sections.get()
    actions.request_review(section, by=secretariat)
    actions.approve_section(section, by=secretariat, not_agreed_reason=NOT_AGREED)
    page = _page(client, expert, document)
    assert "edit-link" not in page and "Propose a change" not in page


def test_contents_open_the_section_pages_and_still_jump_within_the_page(
    client, expert, secretariat
):
    document = make_document(by=secretariat, sections=2, practices=1)
    page = _page(client, expert, document)
    start = page.index('<nav class="toc"')
    contents = page[start : page.index("</nav>", start)]
    for section in document.sections.all():
        assert f'<a href="{section.get_absolute_url()}" dir="auto">{section.title}</a>' in contents
        assert f'href="#section-{section.pk}"' in contents
    # The heading in the text is a link to the section page as well.
    for section in document.sections.all():
        assert f'<h2><a href="{section.get_absolute_url()}" dir="auto">{section.title}</a>' in page


def test_links_are_per_reader_while_the_practice_markup_is_shared(
    client, expert, observer, secretariat
):
    """The same memoised fragment serves an expert (with links) and an observer (without)."""
    document = make_document(by=secretariat, sections=1, practices=2)
    with_links = _page(client, expert, document)
    client.logout()
    without = _page(client, observer, document)
    (practice, _) = _practices(document)
    article = f'<article class="practice" id="practice-{practice.pk}">'
    assert article in with_links and article in without
    assert 'class="practice-edit"' in with_links and 'class="practice-edit"' not in without


@pytest.mark.parametrize("practices", [1, 40])
def test_document_page_with_links_keeps_its_query_count(
    client, expert, secretariat, practices, django_assert_max_num_queries
):
    document = make_document(by=secretariat, sections=4, practices=practices)
    actions.request_review(document.sections.order_by("position").last(), by=secretariat)
    login(client, expert)
    # As tests/test_pages.py: 12 whatever the size; the links add none.
    with django_assert_max_num_queries(12):
        response = client.get(document.get_absolute_url())
    page = response.content.decode()
    assert page.count('class="practice-edit"') == 4 * practices
    assert page.count(">Propose a change</a>") == practices


def test_version_page_and_html_export_carry_no_edit_link(client, expert, secretariat):
    document = make_document(by=secretariat, sections=1, practices=2)
    version = actions.name_version(document, by=secretariat, name="Draft 1")
    login(client, expert)
    shown = client.get(reverse("drafting:version-detail", args=[document.slug, version.pk]))
    assert shown.status_code == 200
    assert "edit-link" not in shown.content.decode()
    assert "Propose a change" not in shown.content.decode()
    exported = export(document, "html").content.decode()
    assert "edit-link" not in exported and "/edit/" not in exported
