"""Section review and approval, the document's road to adoption, and named versions."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from drafting import actions, permissions, workflow
from drafting.history import stamp
from drafting.models import Document, ExpertProfile, Practice, ReviewMeeting, Section, Version
from tests.conftest import NOT_AGREED, agree_all, clock, login, make_document, make_user

S, D = Section.Status, Document.Status


def make_meeting(document, *, by, kind=ReviewMeeting.Kind.MINISTERIAL, title="Ministerial plenary"):
    meeting = ReviewMeeting(
        document=document,
        kind=kind,
        title=title,
        starts_on=date(2018, 9, 26),
        ends_on=date(2018, 9, 27),
    )
    stamp(meeting, by=by, reason="Test meeting.")
    meeting.save()
    return meeting


def approve_all(document, *, by):
    for section in document.sections.all():
        if section.status == S.DRAFTING:
            actions.request_review(section, by=by)
        if section.status != S.APPROVED:
            actions.approve_section(section, by=by, not_agreed_reason=NOT_AGREED)


def last_row(obj):
    return obj.history.order_by("-history_date", "-history_id").first()


# --- Sections ---------------------------------------------------------------------------------


def test_state_tables_are_data_matching_the_issue():
    assert {
        S.DRAFTING: {S.IN_REVIEW},
        S.IN_REVIEW: {S.APPROVED, S.DRAFTING},
        S.APPROVED: {S.DRAFTING},
    } == workflow.SECTION_ALLOWED
    assert {
        D.DRAFTING: {D.IN_REVIEW},
        D.IN_REVIEW: {D.FINAL, D.DRAFTING},
        D.FINAL: {D.SUBMITTED, D.IN_REVIEW},
        D.SUBMITTED: {D.ADOPTED, D.FINAL},
    } == workflow.DOCUMENT_ALLOWED


def test_expert_requests_review_and_history_names_them(expert, document):
    section = document.sections.first()
    actions.request_review(section, by=expert, reason="Ready for the workshop.")
    section.refresh_from_db()
    assert section.status == S.IN_REVIEW
    row = last_row(section)
    assert row.history_user == expert
    assert row.history_change_reason == "Sent for review. Ready for the workshop."


def test_observer_cannot_request_review(observer, document):
    with pytest.raises(PermissionDenied, match="Observers"):
        actions.request_review(document.sections.first(), by=observer)


def test_expert_cannot_approve_section(expert, document):
    section = document.sections.first()
    actions.request_review(section, by=expert)
    with pytest.raises(PermissionDenied, match="Only the secretariat approves"):
        actions.approve_section(section, by=expert, not_agreed_reason=NOT_AGREED)
    section.refresh_from_db()
    assert section.status == S.IN_REVIEW


def test_secretariat_approves_section_recording_who_when_and_note(secretariat, expert, document):
    section = document.sections.first()
    actions.request_review(section, by=expert)
    agree_all(section, by=secretariat)
    before = timezone.now()
    actions.approve_section(section, by=secretariat, note="Agreed in Rabat.")
    section.refresh_from_db()
    assert section.status == S.APPROVED
    assert section.approved_by == secretariat
    assert section.approved_at >= before
    assert section.approval_note == "Agreed in Rabat."
    row = last_row(section)
    assert (row.history_user, row.history_change_reason) == (
        secretariat,
        "Approved. Agreed in Rabat.",
    )


def test_approving_a_drafting_section_is_refused_in_plain_words(secretariat, document):
    section = document.sections.first()
    with pytest.raises(ValidationError) as refused:
        actions.approve_section(section, by=secretariat, not_agreed_reason=NOT_AGREED)
    assert refused.value.messages == [
        "“Section 1” is still in drafting; only a section in review can be approved."
    ]


def test_approval_waits_for_open_amendments(secretariat, expert, document):
    section = document.sections.first()
    amendment = actions.propose_deletion(
        section.practices.first(), by=expert, rationale="Redundant."
    )
    actions.request_review(section, by=expert)
    with pytest.raises(ValidationError) as refused:
        actions.approve_section(section, by=secretariat, not_agreed_reason=NOT_AGREED)
    assert f"(#{amendment.pk})" in refused.value.messages[0]
    actions.reject_amendment(amendment, by=secretariat, note="Still needed.")
    actions.approve_section(section, by=secretariat, not_agreed_reason=NOT_AGREED)


def test_reopen_requires_a_reason_and_clears_the_approval(secretariat, document):
    section = document.sections.first()
    actions.request_review(section, by=secretariat)
    actions.approve_section(section, by=secretariat, note="Fine.", not_agreed_reason=NOT_AGREED)
    with pytest.raises(ValidationError, match="Say why"):
        actions.reopen_section(section, by=secretariat, reason="  ")
    actions.reopen_section(section, by=secretariat, reason="New data from the UN.")
    section.refresh_from_db()
    assert section.status == S.DRAFTING
    assert section.approved_by is None and section.approval_note == ""
    assert last_row(section).history_change_reason == "Reopened: New data from the UN."
    # The history still says who had approved it.
    assert section.history.filter(status=S.APPROVED, approved_by=secretariat).exists()


def test_expert_cannot_reopen(expert, secretariat, document):
    section = document.sections.first()
    actions.request_review(section, by=secretariat)
    actions.approve_section(section, by=secretariat, not_agreed_reason=NOT_AGREED)
    with pytest.raises(PermissionDenied):
        actions.reopen_section(section, by=expert, reason="Please.")


def test_editing_rules_follow_section_status(expert, secretariat, document):
    section = document.sections.first()
    practice = section.practices.first()
    actions.request_review(section, by=expert)
    section.refresh_from_db()
    assert "propose an amendment" in permissions.why_cannot_edit_section(expert, section)
    assert permissions.can_edit_section(secretariat, section)
    with pytest.raises(PermissionDenied):
        actions.update_practice(
            practice, by=expert, heading="X", body="Y", base_revision=practice.revision
        )
    actions.update_practice(
        practice, by=secretariat, heading="X", body="Y", base_revision=practice.revision
    )
    actions.approve_section(section, by=secretariat, not_agreed_reason=NOT_AGREED)
    section.refresh_from_db()
    assert not permissions.can_edit_section(secretariat, section)
    assert not permissions.can_edit_section(expert, section)


def test_section_status_is_frozen_while_the_document_is_final(secretariat, document):
    approve_all(document, by=secretariat)
    actions.open_document_review(document, by=secretariat)
    actions.finalise_document(document, by=secretariat)
    section = document.sections.first()
    with pytest.raises(ValidationError, match="return it to review"):
        actions.reopen_section(section, by=secretariat, reason="Late change.")
    actions.reopen_document(document, by=secretariat, reason="Late change requested.")
    actions.reopen_section(section, by=secretariat, reason="Late change.")


# --- Document lifecycle -----------------------------------------------------------------------


def test_document_goes_all_the_way_to_adoption(secretariat, document):
    plenary = make_meeting(document, by=secretariat)
    actions.open_document_review(document, by=secretariat)
    approve_all(document, by=secretariat)
    actions.finalise_document(document, by=secretariat)
    actions.submit_document(document, by=secretariat, meeting=plenary)
    document.refresh_from_db()
    assert (document.status, document.target_meeting) == (D.SUBMITTED, plenary)
    actions.adopt_document(document, by=secretariat, adopted_on=timezone.localdate())
    document.refresh_from_db()
    assert document.status == D.ADOPTED
    assert document.adopted_on == timezone.localdate()
    assert document.adopted_at == plenary
    reasons = list(
        document.history.order_by("history_date", "history_id").values_list(
            "history_user", "history_change_reason"
        )
    )[-4:]
    assert reasons == [
        (secretariat.pk, "Opened for review."),
        (secretariat.pk, "Marked final."),
        (secretariat.pk, "Submitted for adoption at Ministerial plenary."),
        (secretariat.pk, f"Adopted on {timezone.localdate():%d %B %Y} at Ministerial plenary."),
    ]
    assert Version.objects.filter(document=document, name__startswith="Adopted text").exists()


def test_final_refusal_lists_what_is_missing(secretariat, expert):
    document = make_document(by=secretariat, sections=0)
    from tests.conftest import make_practice, make_section

    for title in ["Prevention", "Detection", "Intervention", "Response"]:
        make_practice(make_section(document, by=secretariat, title=title), by=secretariat)
    prevention = document.sections.get(title="Prevention")
    actions.request_review(prevention, by=secretariat)
    actions.approve_section(prevention, by=secretariat, not_agreed_reason=NOT_AGREED)
    response = document.sections.get(title="Response")
    amendment = actions.propose_deletion(response.practices.first(), by=expert, rationale="Dup.")
    actions.open_document_review(document, by=secretariat)
    with pytest.raises(ValidationError) as refused:
        actions.finalise_document(document, by=secretariat)
    assert refused.value.messages == [
        "3 sections are not approved: Detection, Intervention, Response.",
        f"1 amendment is still open: #{amendment.pk} (Response).",
    ]
    document.refresh_from_db()
    assert document.status == D.IN_REVIEW


def test_submission_needs_a_ministerial_meeting_of_this_document(secretariat, document):
    other = make_document(by=secretariat, sections=0)
    elsewhere = make_meeting(other, by=secretariat)
    workshop = make_meeting(document, by=secretariat, kind=ReviewMeeting.Kind.WORKSHOP)
    actions.open_document_review(document, by=secretariat)
    approve_all(document, by=secretariat)
    actions.finalise_document(document, by=secretariat)
    with pytest.raises(ValidationError, match="No ministerial plenary"):
        actions.submit_document(document, by=secretariat, meeting=workshop)
    plenary = make_meeting(document, by=secretariat)
    for wrong in (workshop, elsewhere):
        with pytest.raises(ValidationError, match="ministerial plenaries"):
            actions.submit_document(document, by=secretariat, meeting=wrong)
    actions.submit_document(document, by=secretariat, meeting=plenary)


def test_adoption_date_cannot_be_in_the_future(secretariat, document):
    plenary = make_meeting(document, by=secretariat)
    actions.open_document_review(document, by=secretariat)
    approve_all(document, by=secretariat)
    actions.finalise_document(document, by=secretariat)
    actions.submit_document(document, by=secretariat, meeting=plenary)
    with pytest.raises(ValidationError, match="future"):
        actions.adopt_document(
            document, by=secretariat, adopted_on=timezone.localdate() + timedelta(days=2)
        )


def test_expert_cannot_move_the_document(expert, document):
    with pytest.raises(PermissionDenied, match="Only the secretariat"):
        actions.open_document_review(document, by=expert)


def adopted(secretariat):
    document = make_document(by=secretariat, sections=1, practices=2)
    plenary = make_meeting(document, by=secretariat)
    actions.open_document_review(document, by=secretariat)
    approve_all(document, by=secretariat)
    actions.finalise_document(document, by=secretariat)
    actions.submit_document(document, by=secretariat, meeting=plenary)
    actions.adopt_document(document, by=secretariat, adopted_on=timezone.localdate())
    document.refresh_from_db()
    return document


def test_adopted_document_refuses_every_change_for_everyone(secretariat, expert):
    document = adopted(secretariat)
    section = document.sections.get()
    practice = section.practices.first()
    for user in (secretariat, expert):
        attempts = [
            lambda u=user: actions.update_practice(
                practice, by=u, heading="X", body="", base_revision=practice.revision
            ),
            lambda u=user: actions.create_practice(section, by=u, heading="New"),
            lambda u=user: actions.delete_practice(practice, by=u),
            lambda u=user: actions.create_section(document, by=u, title="New"),
            lambda u=user: actions.reopen_section(section, by=u, reason="x"),
            lambda u=user: actions.withdraw_submission(document, by=u, reason="x"),
            lambda u=user: actions.name_version(document, by=u, name="Later"),
            lambda u=user: actions.propose_deletion(practice, by=u, rationale="x"),
            lambda u=user: actions.add_comment(section, by=u, body="x"),
        ]
        for attempt in attempts:
            with pytest.raises(PermissionDenied):
                attempt()
    assert workflow.available_transitions(secretariat, document) == []
    assert workflow.available_transitions(secretariat, section) == []


def test_anonymous_visitors_read_the_adopted_text_but_not_its_review(client, secretariat):
    document = adopted(secretariat)
    section = document.sections.get()
    review_url = reverse("drafting:document-dashboard", args=[document.slug])
    assert client.get(document.get_absolute_url()).status_code == 200
    page = client.get(section.get_absolute_url())
    assert page.status_code == 200
    assert "Practice 1.1" in page.content.decode()
    assert "Propose" not in page.content.decode()
    assert client.get(review_url)["Location"].startswith(reverse("login"))


def test_available_transitions_by_role(expert, secretariat, observer, document):
    section = document.sections.first()
    names = lambda user, obj: [a.name for a in workflow.available_transitions(user, obj)]  # noqa: E731
    assert names(expert, section) == ["request-review"]
    assert names(observer, section) == []
    assert names(secretariat, document) == ["open-review"]
    assert names(expert, document) == []
    actions.request_review(section, by=expert)
    section.refresh_from_db()
    assert names(expert, section) == []
    assert names(secretariat, section) == ["approve", "return-to-drafting"]


# --- Named versions ---------------------------------------------------------------------------


def test_secretariat_names_the_current_state(secretariat, document):
    named_at = timezone.now() + timedelta(minutes=5)
    with clock(named_at):
        version = actions.name_version(
            document, by=secretariat, name="Draft 2 — circulated to members", note="For comments."
        )
    assert version.created_by == secretariat
    assert version.taken_at == named_at
    assert (
        last_row(version).history_change_reason == "Version named: Draft 2 — circulated to members."
    )
    with pytest.raises(ValidationError, match="already has a version"):
        actions.name_version(document, by=secretariat, name="Draft 2 — circulated to members")


@pytest.mark.parametrize("role", ["expert", "observer"])
def test_only_the_secretariat_names_versions(role, document):
    with pytest.raises(PermissionDenied):
        actions.name_version(document, by=make_user(role), name="Mine")


# --- Views ------------------------------------------------------------------------------------


def test_secretariat_approves_through_the_page(client, secretariat, document):
    section = document.sections.first()
    actions.request_review(section, by=secretariat)
    login(client, secretariat)
    url = reverse("drafting:section-approve", args=[section.pk])
    page = client.get(url)
    assert page.status_code == 200 and "Approval note" in page.content.decode()
    # The form sends back the section's revision as the page showed it (a stale page is refused).
    assert f'name="seen_revision" value="{Section.objects.get(pk=section.pk).revision}"' in (
        page.content.decode()
    )
    response = client.post(
        url,
        {
            "note": "Agreed at the workshop.",
            "not_agreed_reason": NOT_AGREED,
            "seen_revision": page.context["form"]["seen_revision"].value(),
        },
    )
    assert response.status_code == 302 and response["Location"] == section.get_absolute_url()
    section.refresh_from_db()
    assert (section.status, section.approved_by) == (S.APPROVED, secretariat)


def test_reopen_without_reason_shows_the_form_again(client, secretariat, document):
    section = document.sections.first()
    actions.request_review(section, by=secretariat)
    actions.approve_section(section, by=secretariat, not_agreed_reason=NOT_AGREED)
    login(client, secretariat)
    seen = Section.objects.get(pk=section.pk).revision
    response = client.post(
        reverse("drafting:section-reopen", args=[section.pk]), {"reason": "", "seen_revision": seen}
    )
    assert response.status_code == 422
    assert "Say why it is being reopened." in response.content.decode()
    section.refresh_from_db()
    assert section.status == S.APPROVED


def test_blocked_finalise_page_lists_blockers(client, secretariat, document):
    actions.open_document_review(document, by=secretariat)
    login(client, secretariat)
    url = reverse("drafting:document-finalise", args=[document.slug])
    page = client.get(url).content.decode()
    assert "2 sections are not approved: Section 1, Section 2." in page
    response = client.post(url)
    assert response.status_code == 422
    assert "2 sections are not approved" in response.content.decode()
    document.refresh_from_db()
    assert document.status == D.IN_REVIEW


def test_submit_page_offers_the_documents_ministerial_meetings(client, secretariat, document):
    plenary = make_meeting(document, by=secretariat, title="Ninth ministerial plenary")
    actions.open_document_review(document, by=secretariat)
    approve_all(document, by=secretariat)
    actions.finalise_document(document, by=secretariat)
    login(client, secretariat)
    url = reverse("drafting:document-submit", args=[document.slug])
    assert "Ninth ministerial plenary" in client.get(url).content.decode()
    response = client.post(url, {"meeting": plenary.pk, "next": "/evil.example/"})
    assert response.status_code == 302
    document.refresh_from_db()
    assert (document.status, document.target_meeting) == (D.SUBMITTED, plenary)


def test_transition_redirects_only_to_local_pages(client, secretariat, document):
    login(client, secretariat)
    response = client.post(
        reverse("drafting:document-open-review", args=[document.slug]),
        {"next": "https://evil.example/"},
    )
    assert response["Location"] == document.get_absolute_url()


def test_version_pages(client, secretariat, expert, document):
    login(client, expert)
    assert client.get(reverse("drafting:version-list", args=[document.slug])).status_code == 200
    assert client.get(reverse("drafting:version-create", args=[document.slug])).status_code == 403
    login(client, secretariat)
    response = client.post(
        reverse("drafting:version-create", args=[document.slug]), {"name": "Draft 3", "note": ""}
    )
    assert response.status_code == 302
    assert Version.objects.get(document=document).name == "Draft 3"
    again = client.post(
        reverse("drafting:version-create", args=[document.slug]), {"name": "Draft 3"}
    )
    assert again.status_code == 422 and "already has a version" in again.content.decode()


# --- Dashboard --------------------------------------------------------------------------------


def test_dashboard_shows_status_counts_blockers_and_changes(client, secretariat, expert, document):
    first = document.sections.first()
    actions.request_review(first, by=expert, reason="Ready.")
    actions.propose_deletion(first.practices.first(), by=expert, rationale="Duplicate.")
    actions.add_comment(first, by=expert, body="What about *families*?")
    actions.open_document_review(document, by=secretariat)
    login(client, secretariat)
    page = client.get(reverse("drafting:document-dashboard", args=[document.slug])).content.decode()
    assert "Mark final" in page
    assert "2 sections are not approved: Section 1, Section 2." in page
    assert "1 amendment is still open" in page
    assert "1 open amendment" in page and "1 unresolved comment" in page
    assert expert.get_full_name() in page  # recent changes name who
    assert "Sent for review. Ready." in page


def test_experts_and_observers_see_the_dashboard_without_buttons(
    client, expert, observer, document
):
    for user in (expert, observer):
        login(client, user)
        page = client.get(reverse("drafting:document-dashboard", args=[document.slug]))
        assert page.status_code == 200
        assert reverse("drafting:document-open-review", args=[document.slug]) not in (
            page.content.decode()
        )
        assert "Only the secretariat moves the document" in page.content.decode()


def _dashboard_queries(client, *, by, expert, sections: int, practices: int) -> int:
    document = make_document(by=by, sections=sections, practices=practices)
    for section in document.sections.all():
        actions.request_review(section, by=expert)
        for practice in section.practices.all():
            actions.propose_change(practice, by=expert, heading="New", body="x", rationale="R.")
            actions.add_comment(section, by=expert, body="A point.", practice=practice)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("drafting:document-dashboard", args=[document.slug]))
    assert response.status_code == 200
    assert f"{sections * practices} open amendments" in response.content.decode()
    return len(queries)


def test_dashboard_query_count_does_not_grow(client, secretariat, expert):
    login(client, secretariat)
    small = _dashboard_queries(client, by=secretariat, expert=expert, sections=2, practices=2)
    large = _dashboard_queries(client, by=secretariat, expert=expert, sections=8, practices=6)
    # 20: the agreement counts per section read objections and agreements once each.
    assert small == large <= 20


def test_user_without_a_role_gets_403_on_the_dashboard(client, document):
    nobody = make_user(None)
    login(client, nobody)
    response = client.get(reverse("drafting:document-dashboard", args=[document.slug]))
    assert response.status_code == 403


def test_superuser_without_profile_counts_as_secretariat(db, document):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("root", "root@example.org", "pw-12345-long")
    assert permissions.role_of(admin) == ExpertProfile.Role.SECRETARIAT
    actions.open_document_review(document, by=admin)


def test_overlong_version_note_is_refused_next_to_the_field(client, secretariat, document):
    from drafting.forms.versions import NOTE_LIMIT

    login(client, secretariat)
    url = reverse("drafting:version-create", args=[document.slug])
    response = client.post(url, {"name": "Draft 3", "note": "x" * (NOTE_LIMIT + 1)})
    assert response.status_code == 422
    assert f"Keep the note to {NOTE_LIMIT:,} characters" in response.content.decode()
    assert not Version.objects.filter(document=document).exists()
    assert client.post(url, {"name": "Draft 3", "note": "x" * NOTE_LIMIT}).status_code == 302
    assert len(Version.objects.get(document=document).note) == NOTE_LIMIT


def _version_with_later_edit(secretariat, document) -> tuple[Version, Practice]:
    practice = Practice.objects.filter(section__document=document).order_by("pk").first()
    at = timezone.now() + timedelta(minutes=5)
    with clock(at):
        version = actions.name_version(document, by=secretariat, name="Draft 1 — circulated")
    with clock(at + timedelta(minutes=5)):
        actions.update_practice(
            practice,
            by=secretariat,
            heading="Rewritten after Draft 1",
            body="New body.",
            base_revision=practice.revision,
        )
    return version, practice


def test_a_named_version_reads_on_screen_as_it_stood(client, secretariat, observer, document):
    version, practice = _version_with_later_edit(secretariat, document)
    old_heading = practice.heading
    login(client, secretariat)
    listing = client.get(reverse("drafting:version-list", args=[document.slug])).content.decode()
    url = reverse("drafting:version-detail", args=[document.slug, version.pk])
    assert f'href="{url}"' in listing
    login(client, observer)
    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Draft 1 — circulated" in html and old_heading in html
    assert "Rewritten after Draft 1" not in html
    assert f"?version={version.pk}" in html  # its downloads and "what changed since"


def test_a_version_of_another_document_is_not_found(client, secretariat, document):
    version, _ = _version_with_later_edit(secretariat, document)
    other = make_document(by=secretariat, slug="other-document", sections=1, practices=1)
    login(client, secretariat)
    response = client.get(reverse("drafting:version-detail", args=[other.slug, version.pk]))
    assert response.status_code == 404


@pytest.mark.parametrize("practices", [2, 10])
def test_the_version_page_takes_a_fixed_number_of_queries(
    client, secretariat, practices, django_assert_max_num_queries
):
    document = make_document(by=secretariat, sections=3, practices=practices)
    version, _ = _version_with_later_edit(secretariat, document)
    login(client, secretariat)
    with django_assert_max_num_queries(30):
        page = client.get(reverse("drafting:version-detail", args=[document.slug, version.pk]))
    assert page.content.decode().count('class="practice-number"') == 3 * practices


def _submitted_on(document, secretariat, day: date):
    """Submit ``document`` on ``day`` (noon in the site's time zone) for its plenary."""
    plenary = make_meeting(document, by=secretariat)
    actions.open_document_review(document, by=secretariat)
    approve_all(document, by=secretariat)
    actions.finalise_document(document, by=secretariat)
    noon = timezone.make_aware(timezone.datetime.combine(day, timezone.datetime.min.time()))
    with clock(noon + timedelta(hours=12)):
        actions.submit_document(document, by=secretariat, meeting=plenary)
    return plenary


def test_adoption_cannot_be_dated_before_the_submission(secretariat, document):
    _submitted_on(document, secretariat, date(2018, 9, 20))
    with pytest.raises(ValidationError, match=r"precede the submission.*20 September 2018"):
        actions.adopt_document(document, by=secretariat, adopted_on=date(2018, 9, 19))
    document.refresh_from_db()
    assert (document.status, document.adopted_on) == (D.SUBMITTED, None)
    actions.adopt_document(document, by=secretariat, adopted_on=date(2018, 9, 20))
    document.refresh_from_db()
    assert document.adopted_on == date(2018, 9, 20)


def test_adoption_form_proposes_the_plenary_date_and_refuses_an_earlier_one(
    client, secretariat, document
):
    _submitted_on(document, secretariat, date(2018, 9, 20))
    login(client, secretariat)
    url = reverse("drafting:document-adopt", args=[document.slug])
    page = client.get(url).content.decode()
    # The plenary's (last) day, the date input bounded by the submission and today.
    assert 'value="2018-09-27"' in page and 'min="2018-09-20"' in page
    assert "Submitted for adoption on 20 September 2018" in page
    refused = client.post(url, {"adopted_on": "2018-09-01"})
    assert refused.status_code == 422
    assert "cannot precede the submission" in refused.content.decode()
    document.refresh_from_db()
    assert document.status == D.SUBMITTED


def test_a_resubmission_counts_from_its_own_day(secretariat, document):
    _submitted_on(document, secretariat, date(2018, 9, 1))
    actions.withdraw_submission(document, by=secretariat, reason="Plenary postponed.")
    plenary = ReviewMeeting.objects.get(document=document)
    with clock(timezone.make_aware(timezone.datetime(2018, 9, 24, 12))):
        actions.submit_document(document, by=secretariat, meeting=plenary)
    with pytest.raises(ValidationError, match="24 September 2018"):
        actions.adopt_document(document, by=secretariat, adopted_on=date(2018, 9, 10))
