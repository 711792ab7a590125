"""Setting up a document without the admin (issue 12): the secretariat creates a document
and edits its details; the label term and first number drive every page and export."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from drafting import actions
from drafting.actions.imports import import_document
from drafting.export import build, render
from drafting.history import points, stamp
from drafting.imports.plan import make_plan
from drafting.imports.reader import read
from drafting.models import Document, ExpertProfile, WorkingGroup
from tests.conftest import login, make_delegation, make_document, make_user
from tests.test_export import docx_text, pdf_text, squash

pytestmark = pytest.mark.django_db

NEW = reverse("drafting:document-create")


def details(**overrides) -> dict:
    data = {
        "pretitle": "Working Group on Prevention",
        "title": "Recommendations on Early Prevention",
        "short_title": "Early Prevention",
        "forum": "Global Forum",
        "initiative": "Prevention initiative",
        "label_term": "Recommendation",
        "first_number": "20",
        "numbering": "continuous",
        "introduction": "",
    }
    data.update(overrides)
    return data


def make_group(by) -> WorkingGroup:
    group = WorkingGroup(name="Prevention Working Group", slug="prevention")
    stamp(group, by=by, reason="Test set-up.")
    group.save()
    return group


def recommendation_document(by, *, sections: int = 2, practices: int = 2) -> Document:
    return make_document(
        by=by,
        sections=sections,
        practices=practices,
        title="Recommendations on Prevention",
        label_term="Recommendation",
        first_number=20,
        pretitle="Working Group on Prevention",
    )


# --- creating ---------------------------------------------------------------------------


def test_secretariat_creates_a_document_with_every_detail(client, secretariat):
    group = make_group(secretariat)
    morocco, us, partner = make_delegation(), make_delegation(), make_delegation()
    login(client, secretariat)
    data = details(
        working_group=group.pk,
        co_leads=[morocco.pk, us.pk],
        implementing_partner=partner.pk,
        first_section="Detection",
        introduction="This document *recommends*.",
    )
    response = client.post(NEW, data)

    document = Document.objects.get(slug="early-prevention")
    assert response.status_code == 302 and response["Location"] == document.get_absolute_url()
    assert (document.title, document.pretitle, document.label_term, document.first_number) == (
        "Recommendations on Early Prevention",
        "Working Group on Prevention",
        "Recommendation",
        20,
    )
    assert document.working_group == group and document.implementing_partner == partner
    assert set(document.co_leads.all()) == {morocco, us}
    assert document.status == Document.Status.DRAFTING
    assert [s.title for s in document.sections.all()] == ["Detection"]
    row = document.history.order_by("history_id").first()
    assert row.history_user == secretariat
    assert row.history_change_reason == f"Document created by {secretariat.get_full_name()}."
    page = client.get(document.get_absolute_url()).content.decode()
    assert "Working Group on Prevention" in page and "<em>recommends</em>" in page
    assert f"Document “{document}” created." in page


def test_the_home_page_offers_new_document_to_the_secretariat_only(client, secretariat, expert):
    assert NEW in login(client, secretariat).get("/").content.decode()
    assert NEW not in login(client, expert).get("/").content.decode()


def test_the_browser_is_told_the_first_number_starts_at_one(client, secretariat):
    page = login(client, secretariat).get(NEW).content.decode()
    field = page[page.index('name="first_number"') - 200 : page.index('name="first_number"') + 200]
    assert 'min="1"' in field and 'min="0"' not in field


@pytest.mark.parametrize("role", ["expert", "observer"])
def test_others_are_refused_with_the_reason_and_nothing_is_created(client, role):
    user = make_user(role)
    login(client, user)
    assert client.get(NEW).status_code == 403
    response = client.post(NEW, details())
    assert response.status_code == 403
    assert "Only the secretariat creates documents" in response.content.decode()
    assert not Document.objects.exists()


BAD = [
    ({"title": "   "}, "title", "A document needs a title."),
    ({"first_number": "0"}, "first_number", "The first number must be 1 or more."),
    ({"first_number": "-5"}, "first_number", "The first number must be 1 or more."),
    ({"first_number": "100000"}, "first_number", "cannot be more than 9999"),
    ({"first_number": "twenty"}, "first_number", "must be a whole number"),
    ({"label_term": "  "}, "label_term", "Say what each numbered item is called"),
    ({"label_term": "x" * 200}, "label_term", "limited to 60 characters"),
    ({"label_term": "<b>Rec</b>"}, "label_term", "Use words only"),
    ({"numbering": "frozen"}, "numbering", "not in the list"),
    ({"working_group": "999999"}, "working_group", "not in the list"),
    ({"implementing_partner": "999999"}, "implementing_partner", "not in the list"),
    ({"co_leads": ["999999"]}, "co_leads", "not in the list"),
    ({"co_leads": ["abc"]}, "co_leads", "not in the list"),
    ({"slug": "not a slug!"}, "slug", "letters, digits and hyphens"),
    ({"slug": "new"}, "slug", "reserved"),
]


@pytest.mark.parametrize(("change", "field", "message"), BAD, ids=[b[1] for b in BAD])
def test_bad_input_is_explained_next_to_the_field_and_nothing_is_created(
    client, secretariat, change, field, message
):
    login(client, secretariat)
    response = client.post(NEW, details(**change))
    assert response.status_code == 422
    form = response.context["form"]
    assert any(message in e for e in form.errors.get(field, [])), form.errors
    assert message.replace("“", "") in response.content.decode().replace("&#x27;", "'")
    assert "<b>Rec</b>" not in response.content.decode()  # typed HTML is shown as text
    assert not Document.objects.exists()


def test_a_taken_address_is_refused_by_name(client, secretariat):
    make_document(by=secretariat, slug="early-prevention", title="The first one")
    login(client, secretariat)
    response = client.post(NEW, details())
    assert response.status_code == 422
    assert "The address “early-prevention” is already used by “The first one”" in (
        response.content.decode()
    )
    assert Document.objects.count() == 1
    # Another address, chosen on the form, is accepted.
    assert client.post(NEW, details(slug="early-prevention-2")).status_code == 302
    assert Document.objects.filter(slug="early-prevention-2").exists()


def test_html_in_the_details_is_shown_as_text(client, secretariat):
    login(client, secretariat)
    client.post(NEW, details(title="<script>alert(1)</script> Plan", pretitle="<i>WG</i>"))
    document = Document.objects.get()
    page = client.get(document.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "&lt;i&gt;WG&lt;/i&gt;" in page


# --- the label term and first number everywhere -------------------------------------------


def test_label_and_first_number_on_the_document_section_and_history_pages(client, secretariat):
    document = recommendation_document(secretariat)
    first, second = document.sections.order_by("position")
    login(client, secretariat)
    page = client.get(document.get_absolute_url()).content.decode()
    for n in (20, 21, 22, 23):
        assert f"Recommendation {n}" in page
    assert "Good Practice" not in page and "Recommendation 24" not in page
    section_page = client.get(second.get_absolute_url()).content.decode()
    assert "Recommendation 22" in section_page and "Recommendation 23" in section_page
    assert "Good Practice" not in section_page
    practice = second.practices.order_by("position").first()
    history = client.get(reverse("drafting:practice-history", args=[practice.pk]))
    assert "History of Recommendation 22" in history.content.decode()
    section_history = client.get(reverse("drafting:section-history", args=[second.pk]))
    assert "Recommendation 22" in section_history.content.decode()
    search = client.get(reverse("drafting:document-search", args=[document.slug]), {"q": "2.1"})
    assert "Recommendation 22" in search.content.decode()


def test_messages_and_recorded_reasons_use_the_label(client, secretariat):
    document = recommendation_document(secretariat, sections=1, practices=2)
    section = document.sections.get()
    login(client, secretariat)
    response = client.post(
        reverse("drafting:practice-add", args=[section.pk]),
        {"heading": "Share early warnings", "body": "", "reason": ""},
        follow=True,
    )
    assert "Recommendation 22 added." in response.content.decode()
    practice = section.practices.get(heading="Share early warnings")
    response = client.post(
        reverse("drafting:practice-delete", args=[practice.pk]),
        {"base_revision": practice.revision, "reason": ""},
        follow=True,
    )
    assert "Recommendation 22 deleted" in response.content.decode()


@pytest.mark.parametrize("fmt", ["md", "docx", "pdf", "html"])
def test_exports_use_the_label_term_first_number_and_line_above_the_title(secretariat, fmt):
    document = recommendation_document(secretariat)
    content = render(build(document), fmt).content
    text = {"md": bytes.decode, "docx": docx_text, "pdf": pdf_text, "html": bytes.decode}[fmt](
        content
    )
    flat = squash(text)
    for n in (20, 21, 22, 23):
        assert squash(f"Recommendation {n}") in flat, n
    assert "GoodPractice" not in flat
    assert squash("Working Group on Prevention") in flat


def test_a_redline_names_a_moved_practice_by_its_former_label(secretariat):
    written = timezone.now() - timedelta(days=2)
    document = make_document(
        by=secretariat,
        sections=1,
        practices=3,
        when=written,
        label_term="Recommendation",
        first_number=20,
    )
    section = document.sections.get()
    last = section.practices.order_by("position").last()
    actions.step_practice(last, by=secretariat, direction="up", seen_revision=last.revision)
    model = build(document, redline_from=points.at(written + timedelta(hours=1)))
    moved = next(p for p in model.practices if p.moved)
    assert moved.label == "Recommendation 21"
    assert "formerly Recommendation 22" in moved.note
    assert "formerly Recommendation 22" in render(model, "md").content.decode()


# --- editing the details ---------------------------------------------------------------


def edit_url(document: Document) -> str:
    return reverse("drafting:document-edit", args=[document.slug])


def test_secretariat_edits_details_and_every_label_follows(client, secretariat):
    document = recommendation_document(secretariat)
    login(client, secretariat)
    form = client.get(edit_url(document))
    assert form.status_code == 200 and 'value="Recommendation"' in form.content.decode()
    response = client.post(
        edit_url(document),
        details(
            label_term="Principle",
            first_number="1",
            introduction="Agreed **preamble**.",
            seen_revision=document.revision,
            reason="Agreed at the Rabat meeting.",
        ),
        follow=True,
    )
    page = response.content.decode()
    assert "Principle 1" in page and "Principle 4" in page and "Recommendation 2" not in page
    assert "<strong>preamble</strong>" in page
    document.refresh_from_db()
    assert document.revision == 2
    row = document.history.latest()
    assert row.history_user == secretariat
    assert row.history_change_reason == "Document details edited. Agreed at the Rabat meeting."
    assert squash("Principle 4") in squash(docx_text(render(build(document), "docx").content))


def test_a_stale_details_form_is_a_conflict_and_changes_nothing(client, secretariat):
    document = recommendation_document(secretariat, sections=1, practices=1)
    other = make_user(ExpertProfile.Role.SECRETARIAT)
    seen = document.revision
    actions.update_document_details(document, by=other, seen_revision=seen, title="Renamed")
    login(client, secretariat)
    response = client.post(edit_url(document), details(title="Mine", seen_revision=seen))
    assert response.status_code == 409
    page = response.content.decode()
    assert "changed since you opened this page" in page and "nothing was saved" in page
    assert other.get_full_name() in page
    document.refresh_from_db()
    assert document.title == "Renamed"
    # The form now carries the revision the user has seen: saving again is knowing.
    assert response.context["form"]["seen_revision"].value() == str(document.revision)


def test_saving_the_details_unchanged_records_nothing(client, secretariat):
    login(client, secretariat)
    client.post(NEW, details())
    document = Document.objects.get()
    rows = document.history.count()
    same = details(seen_revision=document.revision)
    assert client.post(edit_url(document), same).status_code == 302
    document.refresh_from_db()
    assert (document.revision, document.history.count()) == (1, rows)


def test_expert_cannot_edit_details_and_is_told_why(client, secretariat, expert):
    document = recommendation_document(secretariat, sections=1, practices=1)
    login(client, expert)
    response = client.post(edit_url(document), details(seen_revision=document.revision))
    assert response.status_code == 403
    assert "Only the secretariat edits a document" in response.content.decode()
    document.refresh_from_db()
    assert document.label_term == "Recommendation" and document.revision == 1


def test_edit_link_shown_to_the_secretariat_only(client, secretariat, expert):
    document = recommendation_document(secretariat, sections=1, practices=1)
    assert (
        edit_url(document)
        in login(client, secretariat).get(document.get_absolute_url()).content.decode()
    )
    assert (
        edit_url(document)
        not in login(client, expert).get(document.get_absolute_url()).content.decode()
    )


# --- cost -----------------------------------------------------------------------------


@pytest.mark.parametrize("size", [4, 120])
def test_labelled_pages_cost_the_same_whatever_the_size(
    size, client, secretariat, expert, django_assert_max_num_queries
):
    document = recommendation_document(secretariat, sections=4, practices=size // 4)
    section = document.sections.order_by("position").last()
    login(client, expert)
    with django_assert_max_num_queries(12):
        assert client.get(document.get_absolute_url()).status_code == 200
    with django_assert_max_num_queries(20):
        assert client.get(section.get_absolute_url()).status_code == 200


# --- an imported draft keeps its labels --------------------------------------------------

EXCERPT = b"""Working Group on Prevention

# Recommendations on Early Prevention

## Detection

### Recommendation 20

**Train teachers to notice early signs.**

Teachers see pupils every day.

### Recommendation 21

**Give families a number to call.**

A helpline answers in several languages.
"""


def test_an_imported_excerpt_keeps_its_label_term_first_number_and_line_above(secretariat):
    plan = make_plan(read("excerpt.md", EXCERPT))
    assert (plan.label_term, plan.first_number) == ("Recommendation", 20)
    assert not any("Good Practice" in w for w in plan.warnings)
    document = import_document(plan, by=secretariat, forum="Global Forum").document
    assert (document.label_term, document.first_number) == ("Recommendation", 20)
    assert document.pretitle == "Working Group on Prevention"
    assert [p.label for p in build(document).practices] == [
        "Recommendation 20",
        "Recommendation 21",
    ]
