"""Reading pages: login required, grouped home page, numbered and sanitised document page."""

import pytest
from django.urls import reverse

from drafting.history import stamp
from drafting.models import Document, Practice, WorkingGroup
from tests.conftest import login, make_delegation, make_document, make_practice


def test_pages_require_login(client, document):
    for url in [
        reverse("drafting:home"),
        document.get_absolute_url(),
        document.sections.first().get_absolute_url(),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_adopted_document_is_public(client, secretariat):
    document = make_document(by=secretariat, status=Document.Status.ADOPTED)
    response = client.get(document.get_absolute_url())
    assert response.status_code == 200
    assert "Practice 1.1" in response.content.decode()


def test_login_with_wrong_password_says_so(client, expert):
    response = client.post(reverse("login"), {"username": expert.username, "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_home_groups_documents_by_working_group_with_co_chairs(client, observer, secretariat):
    chair_a, chair_b = (
        make_delegation(name="Morocco", code="MA"),
        make_delegation(name="Netherlands", code="NL"),
    )
    group = WorkingGroup(name="Foreign Terrorist Fighters", slug="ftf")
    stamp(group, by=secretariat)
    group.save()
    group.co_chairs.set([chair_a, chair_b])
    make_document(by=secretariat, title="Grouped document", working_group=group)
    make_document(by=secretariat, title="Loose document")

    page = login(client, observer).get(reverse("drafting:home")).content.decode()
    assert "Foreign Terrorist Fighters" in page
    assert "Co-chairs: Morocco, Netherlands" in page
    assert page.index("Foreign Terrorist Fighters") < page.index("Grouped document")
    assert "Other documents" in page and "Loose document" in page


def test_document_page_numbers_practices_continuously(client, expert, secretariat):
    document = make_document(by=secretariat, sections=2, practices=2)
    page = login(client, expert).get(document.get_absolute_url()).content.decode()
    positions = [page.index(f"Good Practice {n}</h3>") for n in range(1, 5)]
    assert positions == sorted(positions)
    assert page.index("Practice 2.1") > page.index("Good Practice 3</h3>")
    assert "<strong>Practice 1.1</strong>" in page


def test_document_page_renders_markdown_and_neutralises_html(client, expert, secretariat):
    document = make_document(by=secretariat, sections=1, practices=0)
    make_practice(
        document.sections.get(),
        by=secretariat,
        heading='<img src=x onerror="alert(1)">Heading',
        body="Some *emphasis*.<script>alert('x')</script>\n\n- one\n- two\n\n"
        "[link](javascript:alert(1))\n\nA note.[^1]\n\n[^1]: The footnote text.",
    )
    page = login(client, expert).get(document.get_absolute_url()).content.decode()
    assert "<em>emphasis</em>" in page
    assert '<li dir="auto">one</li>' in page
    assert "<script>alert" not in page
    assert "&lt;script&gt;" in page
    assert "<img" not in page
    assert 'href="javascript' not in page
    assert "The footnote text." in page


@pytest.mark.parametrize("size", [5, 200])
def test_document_page_query_count_does_not_grow(
    size, client, expert, secretariat, django_assert_max_num_queries
):
    document = make_document(by=secretariat, sections=5, practices=size // 5)
    assert Practice.objects.filter(section__document=document).count() == size
    login(client, expert)
    # 8 for the page, +1 for the open-amendment counts per section (workflow), +3 for the
    # reservations on the record printed as footnotes and the practices' agreement status
    # (positions: agreements, objections).
    with django_assert_max_num_queries(12):
        response = client.get(document.get_absolute_url())
    assert response.status_code == 200


def test_unknown_document_is_a_404(client, expert):
    response = login(client, expert).get("/documents/no-such-thing/")
    assert response.status_code == 404
    assert "Not found" in response.content.decode()
