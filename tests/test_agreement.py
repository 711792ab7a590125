"""Agreement rules around big steps (issues 14 and 17).

A section is approved only when all its practices are agreed, or the
secretariat records why not; the Approve and Mark final pages list what is still
open (practices not agreed, unresolved comments, open amendments); the
dashboard counts practices by agreement status; editing agreed text warns first
and records that the agreement lapsed; redlines print reservations on the
record like the clean text. Through the client with real logins.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from drafting import actions
from drafting.export import export
from drafting.history import points, stamp
from drafting.models import Document, Position, Practice, ReviewMeeting, Section, Version
from tests.conftest import NOT_AGREED, agree_all, login, make_document
from tests.test_export import docx_text, pdf_text, squash

S = Section.Status


def _meeting(document, by, title="Rabat review meeting") -> ReviewMeeting:
    meeting = ReviewMeeting(
        document=document,
        kind=ReviewMeeting.Kind.REVIEW,
        title=title,
        starts_on=date(2030, 6, 25),
        ends_on=date(2030, 6, 25),
    )
    stamp(meeting, by=by, reason="Test meeting.")
    meeting.save()
    return meeting


def _practices(section) -> list[Practice]:
    return list(section.practices.order_by("position", "id"))


def _in_review(secretariat, *, sections=2, practices=2) -> Document:
    document = make_document(by=secretariat, sections=sections, practices=practices)
    actions.open_document_review(document, by=secretariat)
    for section in document.sections.order_by("position"):
        actions.request_review(section, by=secretariat)
    return document


def _approve_url(section) -> str:
    return reverse("drafting:section-approve", args=[section.pk])


def _revision(section) -> int:
    return Section.objects.get(pk=section.pk).revision


# --- approving a section ------------------------------------------------------------------


def test_approving_with_practices_not_agreed_needs_a_recorded_reason(client, secretariat):
    document = _in_review(secretariat)
    section = document.sections.order_by("position").first()
    first, second = _practices(section)
    actions.record_agreement(first, by=secretariat, status="agreed")
    actions.record_agreement(second, by=secretariat, status="ad_referendum")
    login(client, secretariat)

    page = client.get(_approve_url(section)).content.decode()
    assert "1 practice not agreed" in page
    assert "Good Practice 2</a> — " in page and "Agreed ad referendum" in page
    assert "Why approve before every practice is agreed" in page
    assert "Approve anyway" in page
    rows_before = Section.history.filter(id=section.pk).count()

    refused = client.post(_approve_url(section), {"seen_revision": _revision(section)})
    assert refused.status_code == 422
    body = refused.content.decode()
    assert "Say why the section is approved although 1 practice is not agreed" in body
    assert 'class="field-error"' in body
    section.refresh_from_db()
    assert section.status == S.IN_REVIEW
    assert Section.history.filter(id=section.pk).count() == rows_before

    response = client.post(
        _approve_url(section),
        {
            "note": "Discussed in Rabat.",
            "not_agreed_reason": "Capitals confirm Good Practice 2 next week.",
            "seen_revision": _revision(section),
        },
    )
    assert response.status_code == 302
    section.refresh_from_db()
    assert (section.status, section.approved_by) == (S.APPROVED, secretariat)
    recorded = (
        "Approved although not every practice is agreed — Good Practice 2 (agreed ad "
        "referendum): Capitals confirm Good Practice 2 next week."
    )
    assert section.approval_note == f"Discussed in Rabat.\n\n{recorded}"
    row = section.history.order_by("-history_id").first()
    assert row.history_user == secretariat
    assert row.history_change_reason == f"Approved. Discussed in Rabat.\n\n{recorded}"


def test_the_action_refuses_without_a_reason_whoever_calls_it(secretariat):
    from django.core.exceptions import ValidationError

    document = _in_review(secretariat, sections=1)
    section = document.sections.get()
    with pytest.raises(ValidationError) as refused:
        actions.approve_section(section, by=secretariat)
    assert refused.value.message_dict["not_agreed_reason"] == [
        "2 practices of this section are not agreed (Good Practice 1 is proposed; Good "
        "Practice 2 is proposed). Record their agreement first, or say why the section is "
        "approved anyway; nothing was approved."
    ]
    assert Section.objects.get(pk=section.pk).status == S.IN_REVIEW


def test_an_edit_after_agreement_brings_the_reason_back(secretariat, expert):
    from django.core.exceptions import ValidationError

    document = _in_review(secretariat, sections=1)
    section = document.sections.get()
    agree_all(section, by=secretariat)
    first = _practices(section)[0]
    actions.return_section_to_drafting(section, by=secretariat, reason="One more edit.")
    actions.update_practice(first, by=expert, heading=first.heading, body="New.", base_revision=1)
    actions.request_review(section, by=expert)
    with pytest.raises(ValidationError, match="Good Practice 1 is proposed"):
        actions.approve_section(section, by=secretariat)


def test_a_section_whose_practices_are_all_agreed_is_approved_without_a_reason(client, secretariat):
    document = _in_review(secretariat)
    section = document.sections.order_by("position").first()
    agree_all(section, by=secretariat)
    login(client, secretariat)
    page = client.get(_approve_url(section)).content.decode()
    assert "Nothing is open: every practice of this section is agreed" in page
    assert "Why approve before" not in page and "Approve anyway" not in page
    response = client.post(
        _approve_url(section), {"note": "Agreed.", "seen_revision": _revision(section)}
    )
    assert response.status_code == 302
    section.refresh_from_db()
    assert section.status == S.APPROVED and section.approval_note == "Agreed."


def test_approval_page_lists_unresolved_comments_and_open_amendments(client, secretariat, expert):
    document = make_document(by=secretariat, sections=2, practices=2)
    section = document.sections.order_by("position").first()
    first, second = _practices(section)
    comment = actions.add_comment(section, by=expert, body="Is *this* clear?", practice=second)
    settled = actions.add_comment(section, by=expert, body="Settled point.")
    actions.resolve_comment(settled, by=secretariat)
    elsewhere = document.sections.order_by("position").last()
    actions.add_comment(elsewhere, by=expert, body="About another section.")
    amendment = actions.propose_change(
        first, by=expert, heading="New heading", body="New body.", rationale="Clearer."
    )
    actions.open_document_review(document, by=secretariat)
    actions.request_review(section, by=expert)
    login(client, secretariat)

    page = client.get(_approve_url(section)).content.decode()
    assert "1 unresolved comment" in page
    assert f'href="{section.get_absolute_url()}#comment-{comment.pk}">Good Practice 2</a>' in page
    assert "Is this clear?" in page  # plain words: no markup from the comment
    assert "Settled point." not in page and "About another section." not in page
    assert "1 open amendment" in page
    assert f'href="{reverse("drafting:amendment-detail", args=[amendment.pk])}"' in page
    # An open amendment blocks the approval: no button to take the step.
    assert 'type="submit" class="primary"' not in page

    actions.reject_amendment(amendment, by=secretariat, note="Not needed.")
    page = client.get(_approve_url(section)).content.decode()
    assert "open amendment" not in page and "1 unresolved comment" in page
    response = client.post(
        _approve_url(section),
        {"not_agreed_reason": NOT_AGREED, "seen_revision": _revision(section)},
    )
    assert response.status_code == 302
    # The comment stays unresolved: approving does not settle it.
    comment.refresh_from_db()
    assert not comment.resolved


@pytest.mark.parametrize(("sections", "practices"), [(1, 2), (4, 6)])
def test_approval_page_queries_do_not_grow(
    client, secretariat, expert, sections, practices, django_assert_max_num_queries
):
    document = _in_review(secretariat, sections=sections, practices=practices)
    section = document.sections.order_by("position").first()
    for n, practice in enumerate(_practices(section)):
        actions.add_comment(section, by=expert, body=f"Point {n}.", practice=practice)
        if n % 2:
            actions.record_agreement(practice, by=secretariat, status="ad_referendum")
    login(client, secretariat)
    with django_assert_max_num_queries(17):
        page = client.get(_approve_url(section))
    assert page.status_code == 200
    assert f"{practices} unresolved comments" in page.content.decode()


# --- marking the document final -----------------------------------------------------------


def _final_url(document) -> str:
    return reverse("drafting:document-finalise", args=[document.slug])


def test_mark_final_lists_unresolved_comments_across_the_document_first(
    client, secretariat, expert
):
    document = _in_review(secretariat)
    last = document.sections.order_by("position").last()
    comment = actions.add_comment(last, by=expert, body="Still unsure about the scope.")
    for section in document.sections.all():
        actions.approve_section(section, by=secretariat, not_agreed_reason=NOT_AGREED)
    login(client, secretariat)

    # The dashboard's button leads to the confirmation page rather than taking the step.
    dashboard = client.get(reverse("drafting:document-dashboard", args=[document.slug]))
    assert f'href="{_final_url(document)}?next=' in dashboard.content.decode()

    page = client.get(_final_url(document)).content.decode()
    assert "1 unresolved comment" in page
    assert f'{last.get_absolute_url()}#comment-{comment.pk}">{last.title}</a>' in page
    assert "Still unsure about the scope." in page
    assert "Mark final anyway" in page
    response = client.post(_final_url(document))
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.status == Document.Status.FINAL


@pytest.mark.parametrize(("sections", "practices"), [(1, 2), (5, 4)])
def test_mark_final_page_queries_do_not_grow(
    client, secretariat, expert, sections, practices, django_assert_max_num_queries
):
    document = _in_review(secretariat, sections=sections, practices=practices)
    for section in document.sections.all():
        for practice in _practices(section):
            actions.add_comment(section, by=expert, body="A point.", practice=practice)
            actions.propose_change(practice, by=expert, heading="H", body="B.", rationale="R.")
    login(client, secretariat)
    with django_assert_max_num_queries(14):
        page = client.get(_final_url(document))
    body = page.content.decode()
    n = sections * practices
    assert f"{n} unresolved comments" in body and f"{n} open amendments" in body


# --- the dashboard ------------------------------------------------------------------------


def test_dashboard_counts_practices_by_agreement_status_per_section(
    client, secretariat, expert, observer
):
    document = make_document(by=secretariat, sections=2, practices=3)
    one, two = document.sections.order_by("position")
    a, b, c = _practices(one)
    actions.record_agreement(a, by=secretariat, status="agreed")
    actions.record_agreement(b, by=secretariat, status="ad_referendum")
    actions.state_position(
        c, by=expert, delegation=expert.profile.delegation, stance="objection", text="No."
    )
    d = _practices(two)[0]
    actions.record_agreement(d, by=secretariat, status="agreed")
    actions.update_practice(d, by=expert, heading=d.heading, body="Edited.", base_revision=1)

    login(client, observer)  # counts name no delegation: every role sees them
    response = client.get(reverse("drafting:document-dashboard", args=[document.slug]))
    assert response.status_code == 200
    rows = {row.section.pk: row.standings for row in response.context["board"].rows}
    assert rows[one.pk] == {
        "proposed": 0,
        "under_negotiation": 1,
        "ad_referendum": 1,
        "agreed": 1,
    }
    assert rows[two.pk] == {"proposed": 3, "under_negotiation": 0, "ad_referendum": 0, "agreed": 0}
    page = response.content.decode()
    assert "Practices by agreement" in page
    assert '<span class="badge standing-proposed">Proposed</span> <strong>3</strong>' in page
    assert (
        '<span class="badge standing-under_negotiation">Under negotiation</span> <strong>1</strong>'
        in page
    )
    assert "<li><strong>1</strong> agreed ad referendum</li>" in page
    assert "<li><strong>3</strong> proposed</li>" in page  # the second section's row
    assert '<th scope="row">All sections</th><td></td><td>6</td>' in page


def _dashboard_queries(client, secretariat, expert, *, sections: int, practices: int) -> int:
    document = make_document(by=secretariat, sections=sections, practices=practices)
    for n, practice in enumerate(Practice.objects.filter(section__document=document)):
        if n % 3 == 0:
            actions.record_agreement(practice, by=secretariat, status="agreed")
        elif n % 3 == 1:
            actions.state_position(
                practice,
                by=expert,
                delegation=expert.profile.delegation,
                stance="objection",
                text="No.",
            )
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("drafting:document-dashboard", args=[document.slug]))
    assert response.status_code == 200
    totals = response.context["board"].standing_totals
    assert sum(totals.values()) == sections * practices
    return len(queries)


def test_dashboard_agreement_counts_take_the_same_queries_at_two_sizes(client, secretariat, expert):
    login(client, secretariat)
    small = _dashboard_queries(client, secretariat, expert, sections=1, practices=2)
    large = _dashboard_queries(client, secretariat, expert, sections=6, practices=5)
    assert small == large <= 20


# --- editing agreed text -------------------------------------------------------------------


@pytest.fixture
def agreed_practice(secretariat) -> Practice:
    document = make_document(by=secretariat, sections=1, practices=2)
    practice = _practices(document.sections.get())[0]
    meeting = _meeting(document, secretariat)
    actions.record_agreement(practice, by=secretariat, status="ad_referendum", meeting=meeting)
    return practice


WARNING = (
    "Good Practice 1 is agreed ad referendum (Rabat review meeting). "
    "Saving a change reopens it for negotiation."
)


def test_edit_forms_warn_before_saving_agreed_text(client, expert, agreed_practice):
    login(client, expert)
    url = reverse("drafting:practice-edit", args=[agreed_practice.pk])
    page = client.get(url).content.decode()  # the full-page form
    assert WARNING in page
    assert f'aria-describedby="agreement-warning-{agreed_practice.pk}"' in page
    in_place = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert WARNING in in_place and "<html" not in in_place
    other = _practices(agreed_practice.section)[1]
    plain_page = client.get(reverse("drafting:practice-edit", args=[other.pk])).content.decode()
    assert "Saving a change reopens it" not in plain_page


def test_saving_agreed_text_records_that_the_agreement_lapsed(client, expert, agreed_practice):
    login(client, expert)
    response = client.post(
        reverse("drafting:practice-edit", args=[agreed_practice.pk]),
        {
            "heading": agreed_practice.heading,
            "body": "A new sentence.",
            "base_revision": agreed_practice.revision,
            "reason": "Tighter wording.",
        },
    )
    assert response.status_code == 302
    row = agreed_practice.history.order_by("-history_id").first()
    assert row.history_user == expert
    assert row.history_change_reason == (
        "Tighter wording. This change reopens the practice for negotiation: it was agreed "
        "ad referendum (Rabat review meeting) at revision 1."
    )
    page = client.get(agreed_practice.section.get_absolute_url())
    assert page.context["positions"][agreed_practice.pk].standing.status == "proposed"
    # A second edit has no agreement left to reopen.
    actions.update_practice(
        agreed_practice, by=expert, heading=agreed_practice.heading, body="Again.", base_revision=2
    )
    assert agreed_practice.history.order_by("-history_id").first().history_change_reason == ""


def test_accepting_an_amendment_to_agreed_text_warns_and_records_the_lapse(
    client, expert, secretariat, agreed_practice
):
    amendment = actions.propose_change(
        agreed_practice, by=expert, heading="Better", body="Better body.", rationale="Clearer."
    )
    login(client, secretariat)
    url = reverse("drafting:amendment-accept", args=[amendment.pk])
    page = client.get(url).content.decode()
    assert WARNING in page and 'aria-describedby="agreement-warning"' in page
    response = client.post(
        url,
        {
            "note": "Agreed.",
            "heading": "Better",
            "body": "Better body.",
            "seen_revision": agreed_practice.revision,
        },
    )
    assert response.status_code == 302
    row = agreed_practice.history.order_by("-history_id").first()
    assert row.history_user == expert  # the change is the proposer's
    assert row.history_change_reason.endswith(
        "This change reopens the practice for negotiation: it was agreed ad referendum "
        "(Rabat review meeting) at revision 1."
    )


# --- reservations in redlines ---------------------------------------------------------------


def test_redline_exports_carry_the_reservation_footnotes(expert, secretariat):
    document = make_document(by=secretariat, sections=1, practices=2)
    first, second = _practices(document.sections.get())
    version = Version(
        document=document, name="Circulated", taken_at=timezone.now(), created_by=secretariat
    )
    stamp(version, by=secretariat)
    version.save()
    actions.update_practice(
        first, by=secretariat, heading=first.heading, body="Changed words.", base_revision=1
    )
    for practice, words in ((first, "Subject to *national* law."), (second, "Pending review.")):
        position = actions.state_position(
            practice,
            by=expert,
            delegation=expert.profile.delegation,
            stance=Position.Stance.RESERVATION,
            text=words,
        )
        actions.record_reservation(position, by=secretariat)
    name = expert.profile.delegation.name
    lead = f"The delegation of {name} reserves its position on this practice:"
    since = points.of_version(version)

    words = docx_text(export(document, "docx", redline_from=since).content)
    assert f"{lead} Subject to national law." in words  # on the changed practice
    assert f"{lead} Pending review." in words  # and on the unchanged one
    assert "Changed words." in words
    pdf = squash(pdf_text(export(document, "pdf", redline_from=since).content))
    assert squash(f"{lead} Subject to national law.") in pdf
    assert squash(f"{lead} Pending review.") in pdf
    markdown = export(document, "md", redline_from=since).content.decode()
    assert markdown.count(lead) == 2
    # Taken off the record, a reservation leaves the redline too.
    position = Position.objects.get(practice=second)
    actions.record_reservation(position, by=secretariat, on_record=False)
    words = docx_text(export(document, "docx", redline_from=since).content)
    assert f"{lead} Pending review." not in words and f"{lead} Subject to" in words


# --- the document page's colours --------------------------------------------------------------


def test_document_page_legend_says_what_each_colour_means_in_words(client, expert, secretariat):
    document = make_document(by=secretariat, sections=1, practices=1)
    practice = Practice.objects.get(section__document=document)
    actions.record_agreement(practice, by=secretariat, status="agreed")
    login(client, expert)
    page = client.get(document.get_absolute_url()).content.decode()
    for words in ("(dotted rule)", "(dashed rule)", "(double rule)", "(solid rule)"):
        assert words in page
    assert 'Agreement: <span class="badge standing-agreed">Agreed</span>' in page
