"""The keep-numbers rule: "7 bis" insertions, gaps, stable labels, and Renumber now (issue 12).

Under keep numbers every practice holds its label (drafting.numbering); pages,
exports, history pages and redlines all show it; the secretariat renumbers in
one recorded step.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from drafting import actions, numbering, reads
from drafting.actions.imports import import_document
from drafting.export import build, pdf, render
from drafting.history import points, stamp
from drafting.imports.plan import make_plan
from drafting.imports.reader import read
from drafting.models import Document, Practice, Version
from tests.conftest import NOT_AGREED, login, make_document
from tests.test_export import docx_text, html_text

# --- the labels themselves ------------------------------------------------------------


def test_suffixes_follow_the_latin_sequence_negotiators_use():
    assert [numbering.kept_label(7, s) for s in range(6)] == [
        "7",
        "7 bis",
        "7 ter",
        "7 quater",
        "7 quinquies",
        "7 sexies",
    ]
    assert numbering.parse_label("7 bis") == (7, 1)
    assert numbering.parse_label("12quater") == (12, 3)
    assert numbering.parse_label("12") == (12, 0)
    assert numbering.parse_label("7 and more") is None


# --- a document under keep numbers ------------------------------------------------------


def keep_document(secretariat, **overrides) -> Document:
    """Two sections of four practices (1–8), switched to keep numbers through the action."""
    document = make_document(by=secretariat, sections=2, practices=4, **overrides)
    return actions.update_document_details(
        document,
        by=secretariat,
        seen_revision=document.revision,
        numbering=Document.Numbering.KEEP,
        reason="Numbers frozen for the review meeting.",
    )


def labels(document) -> list[tuple[str, str]]:
    """(label, heading) of every practice as the document page numbers it."""
    document.refresh_from_db()
    return [
        (document.label(item.number), item.practice.heading)
        for entry in reads.document_outline(document)
        for item in entry.practices
    ]


def practice(heading: str) -> Practice:
    return Practice.objects.select_related("section").get(heading=heading)


def test_switching_to_keep_numbers_keeps_the_present_numbers(secretariat):
    document = keep_document(secretariat)
    assert [label for label, _ in labels(document)] == [f"Good Practice {n}" for n in range(1, 9)]
    assert Practice.objects.filter(section__document=document, kept_suffix=0).count() == 8


def test_insert_after_7_gives_7_bis_then_7_ter_and_nothing_else_moves(secretariat, expert):
    document = keep_document(secretariat)
    seven = practice("Practice 2.3")
    bis = actions.create_practice(seven.section, by=expert, heading="Inserted A", after=seven)
    actions.create_practice(seven.section, by=expert, heading="Inserted B", after=bis)
    assert labels(document)[6:] == [
        ("Good Practice 7", "Practice 2.3"),
        ("Good Practice 7 bis", "Inserted A"),
        ("Good Practice 7 ter", "Inserted B"),
        ("Good Practice 8", "Practice 2.4"),
    ]
    # Inserted right after 7 again: the next free suffix, never a label already used.
    actions.create_practice(seven.section, by=expert, heading="Inserted C", after=seven)
    assert ("Good Practice 7 quater", "Inserted C") in labels(document)


def test_the_first_practice_of_a_document_and_one_before_it(secretariat, expert):
    document = keep_document(secretariat)
    first = practice("Practice 1.1")
    actions.create_practice(first.section, by=expert, heading="Before all", first=True)
    assert labels(document)[:2] == [
        ("Good Practice 0 bis", "Before all"),
        ("Good Practice 1", "Practice 1.1"),
    ]
    # An excerpt starting at 20: the number before it, "19 bis".
    excerpt = keep_document(secretariat, first_number=20, label_term="Recommendation")
    head = excerpt.sections.order_by("position").first()
    actions.create_practice(head, by=expert, heading="Before twenty", first=True)
    assert labels(excerpt)[0] == ("Recommendation 19 bis", "Before twenty")


def test_a_deletion_leaves_a_gap_that_no_new_practice_fills(secretariat, expert):
    document = keep_document(secretariat)
    actions.delete_practice(practice("Practice 1.3"), by=secretariat)
    numbers = [label for label, _ in labels(document)]
    assert "Good Practice 3" not in numbers and numbers[2] == "Good Practice 4"
    two = practice("Practice 1.2")
    actions.create_practice(two.section, by=expert, heading="After two", after=two)
    # Added at the end of the document: the next number, past the gap of a deleted 8.
    actions.delete_practice(practice("Practice 2.4"), by=secretariat)
    last = practice("Practice 2.3").section
    actions.create_practice(last, by=expert, heading="At the end")
    found = dict((h, label) for label, h in labels(document))
    assert found["After two"] == "Good Practice 2 bis"
    assert found["At the end"] == "Good Practice 9"


def test_a_deleted_bis_is_not_reused_and_comes_back_with_its_label(secretariat, expert):
    document = keep_document(secretariat)
    seven = practice("Practice 2.3")
    bis = actions.create_practice(seven.section, by=expert, heading="Inserted", after=seven)
    deletion = actions.delete_practice(bis, by=secretariat)
    assert deletion.number == "7 bis"
    assert str(deletion).startswith("Good Practice 7 bis: ")
    actions.create_practice(seven.section, by=expert, heading="Another", after=seven)
    assert ("Good Practice 7 ter", "Another") in labels(document)
    actions.restore_deletion(deletion, by=secretariat)
    assert ("Good Practice 7 bis", "Inserted") in labels(document)


def test_a_moved_practice_keeps_its_label(secretariat, expert):
    document = keep_document(secretariat)
    two, five = practice("Practice 1.2"), practice("Practice 2.1")
    actions.move_practice(two, by=expert, section=five.section, after=five)
    assert [label.removeprefix("Good Practice ") for label, _ in labels(document)] == [
        "1",
        "3",
        "4",
        "5",
        "2",
        "6",
        "7",
        "8",
    ]


def test_switching_back_to_continuous_renumbers_at_once(secretariat, expert):
    document = keep_document(secretariat)
    seven = practice("Practice 2.3")
    actions.create_practice(seven.section, by=expert, heading="Inserted", after=seven)
    document.refresh_from_db()
    actions.update_document_details(
        document,
        by=secretariat,
        seen_revision=document.revision,
        numbering=Document.Numbering.CONTINUOUS,
    )
    assert [label for label, _ in labels(document)][6:] == [
        "Good Practice 7",
        "Good Practice 8",
        "Good Practice 9",
    ]


# --- every page and export shows the kept label -------------------------------------------


def seven_bis(secretariat, expert) -> tuple[Document, Practice]:
    document = keep_document(secretariat)
    seven = practice("Practice 2.3")
    inserted = actions.create_practice(
        seven.section, by=expert, heading="Inserted lead.", body="Inserted body.", after=seven
    )
    document.refresh_from_db()
    return document, inserted


def test_pages_show_the_kept_label(client, secretariat, expert):
    document, inserted = seven_bis(secretariat, expert)
    login(client, expert)
    for url in (
        document.get_absolute_url(),
        inserted.section.get_absolute_url(),
        reverse("drafting:practice-history", args=[inserted.pk]),
        reverse("drafting:section-history", args=[inserted.section.pk]),
    ):
        page = html_text(client.get(url).content)
        assert "Good Practice 7 bis" in " ".join(page.split()), url


def test_every_export_shows_the_kept_label(secretariat, expert):
    document, _ = seven_bis(secretariat, expert)
    model = build(document)
    assert [p.label for p in model.practices][6:9] == [
        "Good Practice 7",
        "Good Practice 7 bis",
        "Good Practice 8",
    ]
    wanted = ["Good Practice 7", "Practice 2.3", "Good Practice 7 bis", "Inserted lead."]
    texts = {
        "docx": docx_text(render(model, "docx").content),
        "html": html_text(render(model, "html").content),
        "md": render(model, "md").content.decode(),
        "typst": pdf.source(model),
    }
    for fmt, text in texts.items():
        flat = " ".join(text.replace("\\", "").split())
        at = -1
        for needle in wanted:
            found = flat.find(needle, at + 1)
            assert found > at, f"{needle!r} missing or out of order in {fmt}"
            at = found


def test_a_redline_and_a_version_show_the_labels_they_had(secretariat, expert):
    document = keep_document(secretariat)
    version = Version(
        document=document, name="Draft 1", taken_at=timezone.now(), created_by=secretariat
    )
    stamp(version, by=secretariat)
    version.save()
    seven = practice("Practice 2.3")
    actions.create_practice(seven.section, by=expert, heading="Inserted lead.", after=seven)
    model = build(document, redline_from=points.of_version(version))
    added = next(p for p in model.practices if p.heading == "Inserted lead.")
    assert (added.change, added.label) == ("added", "Good Practice 7 bis")
    text = docx_text(render(model, "docx").content)
    assert "Good Practice 7 bis" in text
    assert "Good Practice 8" in text and "Good Practice 9" not in text


# --- Renumber now -------------------------------------------------------------------------


def renumber_url(document) -> str:
    return reverse("drafting:document-renumber", args=[document.slug])


def test_renumber_now_says_what_it_does_and_records_one_change(client, secretariat, expert):
    document, _ = seven_bis(secretariat, expert)
    actions.delete_practice(practice("Practice 1.2"), by=secretariat)
    login(client, secretariat)
    page = client.get(renumber_url(document))
    assert page.status_code == 200
    text = " ".join(html_text(page.content).split())
    assert "This renumbers Good Practices 3–7 bis as 2–7." in text
    seen = page.context["form"]["seen"].value()
    document_rows = document.history.count()

    response = client.post(renumber_url(document), {"seen": seen, "reason": "Before Rabat."})

    assert response.status_code == 302
    assert [label for label, _ in labels(document)] == [f"Good Practice {n}" for n in range(1, 9)]
    # One recorded change: one row of the document, and the relabelled practices' rows, all
    # by the secretariat officer with the same reason.
    assert document.history.count() == document_rows + 1
    row = document.history.order_by("-history_id").first()
    assert row.history_user == secretariat
    assert row.history_change_reason == "Renumbered Good Practices 3–7 bis as 2–7. Before Rabat."
    relabelled = Practice.history.filter(history_change_reason=row.history_change_reason)
    assert relabelled.count() == 6
    assert {r.history_user_id for r in relabelled} == {secretariat.pk}


def test_after_renumbering_old_gaps_close_and_numbers_are_kept_again(secretariat, expert):
    document, inserted = seven_bis(secretariat, expert)
    actions.delete_practice(inserted, by=secretariat)  # 7 bis: a gap
    six = practice("Practice 2.2")
    actions.create_practice(six.section, by=expert, heading="Six bis", after=six)
    document.refresh_from_db()
    actions.renumber_now(document, by=secretariat, seen=None)
    assert labels(document)[6:] == [
        ("Good Practice 7", "Six bis"),
        ("Good Practice 8", "Practice 2.3"),
        ("Good Practice 9", "Practice 2.4"),
    ]
    # The 7 bis deleted before the renumbering belonged to the old numbers: no gap now.
    actions.create_practice(six.section, by=expert, heading="Again", after=practice("Six bis"))
    assert ("Good Practice 7 bis", "Again") in labels(document)


def test_only_the_secretariat_renumbers(client, secretariat, expert, observer):
    document, _ = seven_bis(secretariat, expert)
    for user in (expert, observer):
        login(client, user)
        for response in (client.get(renumber_url(document)), client.post(renumber_url(document))):
            assert response.status_code == 403
            assert "Only the secretariat renumbers" in response.content.decode()
    assert ("Good Practice 7 bis", "Inserted lead.") in labels(document)


def test_an_adopted_document_is_not_renumbered(client, secretariat, expert):
    document, _ = seven_bis(secretariat, expert)
    document.status = Document.Status.ADOPTED
    stamp(document, by=secretariat, reason="Adopted (test).")
    document.save()
    login(client, secretariat)
    response = client.post(renumber_url(document), {"seen": reads.renumber_plan(document).seen})
    assert response.status_code == 403
    assert "adopted" in response.content.decode()
    with pytest.raises(PermissionDenied, match="adopted"):
        actions.renumber_now(document, by=secretariat, seen=None)
    assert ("Good Practice 7 bis", "Inserted lead.") in labels(document)


def test_a_renumber_from_a_stale_page_is_refused_as_a_conflict(client, secretariat, expert):
    document, inserted = seven_bis(secretariat, expert)
    login(client, secretariat)
    seen = client.get(renumber_url(document)).context["form"]["seen"].value()
    # Meanwhile an expert inserts another practice: the page showed other numbers.
    actions.create_practice(inserted.section, by=expert, heading="Late", after=inserted)
    response = client.post(renumber_url(document), {"seen": seen})
    assert response.status_code == 409
    text = " ".join(html_text(response.content).split())
    assert "nothing was renumbered" in text
    assert "This renumbers Good Practices 7 bis–8 as 8–10." in text
    assert ("Good Practice 7 ter", "Late") in labels(document)


def test_a_continuous_document_has_nothing_to_renumber(client, secretariat):
    document = make_document(by=secretariat)
    login(client, secretariat)
    assert "nothing to renumber" in client.get(renumber_url(document)).content.decode()
    assert client.post(renumber_url(document), {"seen": "x"}).status_code == 422
    with pytest.raises(ValidationError):
        actions.renumber_now(document, by=secretariat, seen=None)


def test_the_document_page_offers_renumber_now_to_the_secretariat_only(client, secretariat, expert):
    document, _ = seven_bis(secretariat, expert)
    url = renumber_url(document)
    assert url in login(client, secretariat).get(document.get_absolute_url()).content.decode()
    assert url not in login(client, expert).get(document.get_absolute_url()).content.decode()


def test_the_setup_form_offers_both_rules(client, secretariat):
    login(client, secretariat)
    page = client.get(reverse("drafting:document-create")).content.decode()
    assert 'value="continuous"' in page and 'value="keep"' in page
    assert "“7 bis”" in page


# --- imports keep "7 bis" -------------------------------------------------------------------

DRAFT = b"""# Good Practices on Keeping Numbers

## Prevention

### Good Practice 7

**Seven's lead.**

Seven's body.

### Good Practice 7 bis

**Seven bis lead.**

Its body.

### Good Practice 8

**Eight's lead.**

Eight's body.
"""


def test_an_imported_draft_with_bis_labels_keeps_them(secretariat):
    plan = make_plan(read("bis.md", DRAFT))
    assert (plan.numbering, plan.first_number) == ("keep", 7)
    document = import_document(plan, by=secretariat, forum="Global Forum").document
    assert document.numbering == Document.Numbering.KEEP
    assert [label for label, _ in labels(document)] == [
        "Good Practice 7",
        "Good Practice 7 bis",
        "Good Practice 8",
    ]


# --- cost -------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [2, 30])
def test_the_document_page_costs_the_same_under_keep_numbers(
    size, client, secretariat, expert, django_assert_max_num_queries
):
    document = make_document(by=secretariat, sections=2, practices=size)
    actions.update_document_details(
        document, by=secretariat, seen_revision=1, numbering=Document.Numbering.KEEP
    )
    first = document.sections.order_by("position").first()
    after = first.practices.order_by("position").first()
    actions.create_practice(first, by=expert, heading="Inserted", after=after)
    login(client, expert)
    with django_assert_max_num_queries(12):
        assert client.get(document.get_absolute_url()).status_code == 200
    login(client, secretariat)
    with django_assert_max_num_queries(12):
        assert client.get(renumber_url(document)).status_code == 200


def test_approved_sections_keep_their_labels_through_the_workflow(secretariat, expert):
    """Approving and finalising change no label (a smoke test of the lifecycle under keep)."""
    document, _ = seven_bis(secretariat, expert)
    actions.open_document_review(document, by=secretariat)
    for section in document.sections.order_by("position"):
        actions.request_review(section, by=expert)
        actions.approve_section(section, by=secretariat, not_agreed_reason=NOT_AGREED)
    assert ("Good Practice 7 bis", "Inserted lead.") in labels(document)


def test_under_keep_numbers_an_expert_may_move_a_practice_past_an_approved_section(
    secretariat, expert
):
    """Passing over an approved section renumbers it under the continuous rule (the
    secretariat's call); under keep numbers it renumbers nothing."""
    document = make_document(by=secretariat, sections=3, practices=2)
    first, middle, last = document.sections.order_by("position")
    actions.open_document_review(document, by=secretariat)
    actions.request_review(middle, by=expert)
    actions.approve_section(middle, by=secretariat, not_agreed_reason=NOT_AGREED)
    moving = first.practices.order_by("position").first()
    with pytest.raises(PermissionDenied):
        actions.move_practice(moving, by=expert, section=last)
    document.refresh_from_db()
    actions.update_document_details(
        document, by=secretariat, seen_revision=document.revision, numbering="keep"
    )
    actions.move_practice(moving, by=expert, section=last)
    assert labels(document)[-1] == ("Good Practice 1", moving.heading)
