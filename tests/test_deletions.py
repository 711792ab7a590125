"""Deleting and restoring sections and practices: nothing is deleted for good.

A deletion goes to the document's Deleted page with everything that went with it;
one action restores it all, with the same ids and text, at its old place.
"""

from __future__ import annotations

from datetime import date
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from drafting import actions
from drafting.actions import deletions as deletion_actions
from drafting.history import stamp
from drafting.models import (
    AgendaItem,
    Amendment,
    Comment,
    Deletion,
    Practice,
    ReviewMeeting,
    Section,
)
from tests.conftest import login, make_document, make_practice


def _sections(document) -> list[Section]:
    return list(document.sections.order_by("position", "id"))


def _practices(section) -> list[Practice]:
    return list(section.practices.order_by("position", "id"))


def _numbers(document) -> dict[int, int]:
    from drafting import reads

    return reads.practice_numbers(document)


def _history_rows() -> int:
    from django.apps import apps

    return sum(
        model.objects.count()
        for model in apps.get_app_config("drafting").get_models()
        if model.__name__.startswith("Historical")
    )


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


@pytest.fixture
def busy(secretariat, expert, other_expert):
    """Three sections of three practices; the middle one has amendments, comments, an agenda."""
    document = make_document(by=secretariat, sections=3, practices=3)
    first, middle, last = _sections(document)
    p1, p2, p3 = _practices(middle)
    change = actions.propose_change(
        p1, by=other_expert, heading="Changed heading", body="Changed.", rationale="Clearer."
    )
    removal = actions.propose_deletion(p2, by=expert, rationale="Duplicate.")
    note = actions.add_comment(middle, by=expert, body="On the practice.", practice=p1)
    reply = actions.reply_to_comment(note, by=other_expert, body="Agreed.")
    general = actions.add_comment(middle, by=other_expert, body="On the section.")
    meeting = ReviewMeeting(
        document=document,
        kind=ReviewMeeting.Kind.REVIEW,
        title="Rabat review meeting",
        starts_on=date(2018, 5, 14),
        ends_on=date(2018, 5, 15),
    )
    stamp(meeting, by=secretariat, reason="Planned.")
    meeting.save()
    item = AgendaItem(meeting=meeting, section=middle, position=1)
    stamp(item, by=secretariat, reason="Added to the agenda.")
    item.save()
    return {
        "document": document,
        "sections": (first, middle, last),
        "practices": (p1, p2, p3),
        "amendments": (change, removal),
        "comments": (note, reply, general),
        "agenda": item,
    }


# --- who may delete a section ------------------------------------------------------------------


def test_expert_cannot_delete_a_section_with_practices(client, expert, busy):
    middle = busy["sections"][1]
    before = _history_rows()
    login(client, expert)
    page = client.get(middle.get_absolute_url()).content.decode()
    assert reverse("drafting:section-delete", args=[middle.pk]) not in page
    response = client.post(
        reverse("drafting:section-delete", args=[middle.pk]), {"reason": "x", "seen": "x"}
    )
    assert response.status_code == 403
    assert "only the secretariat deletes a section that holds practices" in (
        response.content.decode()
    )
    assert Section.objects.filter(pk=middle.pk).exists()
    assert middle.practices.count() == 3
    assert not Deletion.objects.exists()
    assert _history_rows() == before


def test_expert_may_delete_an_empty_section_they_added_but_not_someone_elses(
    client, expert, other_expert, secretariat
):
    document = make_document(by=secretariat, sections=1, practices=1)
    mine = actions.create_section(document, by=expert, title="My slip")
    theirs = actions.create_section(document, by=other_expert, title="Their section")
    login(client, expert)
    assert "Delete section" in client.get(mine.get_absolute_url()).content.decode()
    assert "Delete section" not in client.get(theirs.get_absolute_url()).content.decode()
    response = client.post(reverse("drafting:section-delete", args=[theirs.pk]), {"seen": "x"})
    assert response.status_code == 403
    assert "Only the secretariat, or the expert who added" in response.content.decode()

    url = reverse("drafting:section-delete", args=[mine.pk])
    seen = client.get(url).context["form"]["seen"].value()
    response = client.post(url, {"seen": seen, "reason": "Added by mistake."})
    assert response.status_code == 302
    assert not Section.objects.filter(pk=mine.pk).exists()
    deletion = Deletion.objects.get()
    assert (deletion.kind, deletion.object_id, deletion.deleted_by) == ("section", mine.pk, expert)
    # Restoring a section is the secretariat's.
    with pytest.raises(PermissionDenied, match="Only the secretariat restores deleted sections"):
        actions.restore_deletion(deletion, by=expert)


# --- a section, its practices, amendments and comments: deleted and restored ---------------------


def test_secretariat_deletes_a_section_and_restores_everything(client, secretariat, busy):
    document = busy["document"]
    first, middle, last = busy["sections"]
    p1, p2, p3 = busy["practices"]
    change, removal = busy["amendments"]
    texts = {p.pk: (p.heading, p.body) for p in busy["practices"]}
    created = {c.pk: c.created_at for c in busy["comments"]}
    amendment_dates = {a.pk: a.created_at for a in busy["amendments"]}
    last_first = _practices(last)[0]
    assert _numbers(document)[last_first.pk] == 7

    login(client, secretariat)
    url = reverse("drafting:section-delete", args=[middle.pk])
    confirm = client.get(url)
    text = confirm.content.decode()
    assert "its 3 practices" in text and "2 amendments (2 still open) and 3 comments" in text
    assert "1 meeting agenda" in text and "restore all of it" in text
    seen = confirm.context["form"]["seen"].value()
    response = client.post(url, {"seen": seen, "reason": "Merged into Detection."}, follow=True)
    assert response.redirect_chain[-1][0] == document.get_absolute_url()
    message = _messages(response)
    deletion = Deletion.objects.get()
    assert "deleted; it is on the document’s Deleted page" in message
    assert f'href="{deletion.get_absolute_url()}">Undo</a>' in response.content.decode()

    # Gone from every page, numbering follows.
    assert not Section.objects.filter(pk=middle.pk).exists()
    assert not Practice.objects.filter(pk__in=texts).exists()
    assert not Amendment.objects.filter(pk__in=[change.pk, removal.pk]).exists()
    assert not Comment.objects.filter(section_id=middle.pk).exists()
    assert not AgendaItem.objects.filter(pk=busy["agenda"].pk).exists()
    assert _numbers(document)[last_first.pk] == 4
    assert "Section 2" not in client.get(document.get_absolute_url()).content.decode()
    gone = client.get(middle.get_absolute_url())
    assert gone.status_code == 404 and "This section was deleted" in gone.content.decode()

    # Listed on the Deleted page, with what came with it.
    page = client.get(reverse("drafting:document-deleted", args=[document.slug]))
    html = page.content.decode()
    assert "“Section 2”" in html and "Merged into Detection." in html
    assert "3 practices, 2 amendments, 3 comments, 1 agenda item" in html
    assert secretariat.get_full_name() in html

    response = client.post(
        reverse("drafting:deletion-restore", args=[deletion.pk]),
        {"reason": "Needed after all."},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == middle.get_absolute_url()
    assert "restored with everything in it" in _messages(response)

    # Everything back: same ids, same text, same place, amendments on their practices.
    assert [s.pk for s in _sections(document)] == [first.pk, middle.pk, last.pk]
    restored = Section.objects.get(pk=middle.pk)
    assert restored.title == "Section 2" and restored.revision == middle.revision + 1
    assert [p.pk for p in _practices(restored)] == [p1.pk, p2.pk, p3.pk]
    for practice in _practices(restored):
        assert (practice.heading, practice.body) == texts[practice.pk]
    change.refresh_from_db()
    removal.refresh_from_db()
    assert (change.practice_id, removal.practice_id) == (p1.pk, p2.pk)
    assert change.status == Amendment.Status.OPEN
    assert {a.pk: a.created_at for a in (change, removal)} == amendment_dates
    comments = {c.pk: c for c in Comment.objects.filter(section=restored)}
    assert {pk: c.created_at for pk, c in comments.items()} == created
    note, reply, _ = busy["comments"]
    assert comments[note.pk].practice_id == p1.pk and comments[reply.pk].parent_id == note.pk
    assert AgendaItem.objects.get(pk=busy["agenda"].pk).section_id == middle.pk
    assert _numbers(document)[last_first.pk] == 7
    page = client.get(restored.get_absolute_url()).content.decode()
    assert "Changed heading" in page and "On the section." in page

    # History names the restorer and the reason, on every row brought back.
    for model, pk in ((Section, middle.pk), (Practice, p2.pk), (Amendment, change.pk)):
        row = model.history.filter(id=pk).latest()
        assert row.history_type == "+" and row.history_user == secretariat
        assert "Restored" in row.history_change_reason
        assert "Needed after all." in row.history_change_reason
        assert f"by {secretariat.get_full_name()}" in row.history_change_reason
    deletion.refresh_from_db()
    assert deletion.restored_by == secretariat and deletion.is_restored
    html = client.get(reverse("drafting:document-deleted", args=[document.slug])).content.decode()
    assert "Restored by" in html


def test_restoring_twice_says_who_restored_it(client, secretariat, busy):
    middle = busy["sections"][1]
    deletion = actions.delete_section(middle, by=secretariat, reason="Dropped.")
    url = reverse("drafting:deletion-restore", args=[deletion.pk])
    login(client, secretariat)
    assert client.post(url).status_code == 302
    before = _history_rows()
    response = client.post(url, follow=True)
    assert "already restored by" in _messages(response)
    assert secretariat.get_full_name() in _messages(response)
    assert _history_rows() == before
    with pytest.raises(ValidationError, match="already restored"):
        actions.restore_deletion(deletion, by=secretariat)


def test_restored_section_goes_to_the_end_when_its_predecessor_is_gone(secretariat):
    document = make_document(by=secretariat, sections=3, practices=0)
    first, middle, last = _sections(document)
    deletion = actions.delete_section(middle, by=secretariat)
    actions.delete_section(first, by=secretariat)
    actions.restore_deletion(deletion, by=secretariat)
    assert [s.pk for s in _sections(document)] == [last.pk, middle.pk]


def test_first_section_comes_back_first(secretariat):
    document = make_document(by=secretariat, sections=3, practices=1)
    first, middle, last = _sections(document)
    deletion = actions.delete_section(first, by=secretariat)
    actions.restore_deletion(deletion, by=secretariat)
    assert [s.pk for s in _sections(document)] == [first.pk, middle.pk, last.pk]


# --- a practice ---------------------------------------------------------------------------------


def test_deleting_then_restoring_a_practice_reattaches_its_amendments(
    client, expert, other_expert, secretariat, busy
):
    document = busy["document"]
    p1, p2, _ = busy["practices"]
    change, _ = busy["amendments"]
    note = busy["comments"][0]
    login(client, expert)
    url = reverse("drafting:practice-delete", args=[p1.pk])
    confirm = client.get(url)
    assert "Deleted</a> page, from which it can be restored" in confirm.content.decode()
    response = client.post(url, {"base_revision": p1.revision, "reason": "Redundant."})
    assert response.status_code == 302
    change.refresh_from_db()
    note.refresh_from_db()
    assert change.practice_id is None and note.practice_id is None
    assert _numbers(document)[p2.pk] == 4
    deletion = Deletion.objects.get()
    assert deletion.detached_amendment_ids == [change.pk]
    assert deletion.contents == "1 amendment, 2 comments"  # the comment and its reply

    response = client.post(reverse("drafting:deletion-restore", args=[deletion.pk]), follow=True)
    assert "Restored as Good Practice 4" in _messages(response)
    restored = Practice.objects.get(pk=p1.pk)
    assert (restored.heading, restored.section_id) == (p1.heading, p1.section_id)
    assert _numbers(document)[p1.pk] == 4 and _numbers(document)[p2.pk] == 5
    change.refresh_from_db()
    note.refresh_from_db()
    assert change.practice_id == p1.pk and note.practice_id == p1.pk
    row = change.history.latest()
    assert row.history_user == expert and row.history_change_reason.startswith("Re-attached")
    row = restored.history.latest()
    assert row.history_change_reason.startswith("Restored deleted Good Practice 4 (deleted ")
    # The other delegation's amendment can be decided again (the restore bumped the revision,
    # so the secretariat confirms against the text it sees now).
    actions.accept_amendment(change, by=secretariat, seen_revision=restored.revision)
    assert Practice.objects.get(pk=p1.pk).heading == "Changed heading"


def test_restored_practice_goes_to_the_end_when_its_predecessor_is_gone(expert, secretariat):
    document = make_document(by=secretariat, sections=1, practices=4)
    a, b, c, d = _practices(document.sections.get())
    deletion = actions.delete_practice(c, by=expert)
    actions.delete_practice(b, by=expert)
    actions.restore_deletion(deletion, by=expert)
    assert [p.pk for p in _practices(document.sections.get())] == [a.pk, d.pk, c.pk]


def test_practice_of_a_deleted_section_says_restore_the_section_first(client, secretariat, busy):
    middle = busy["sections"][1]
    p1 = busy["practices"][0]
    practice_deletion = actions.delete_practice(p1, by=secretariat)
    section_deletion = actions.delete_section(middle, by=secretariat)
    login(client, secretariat)
    page = client.get(reverse("drafting:document-deleted", args=[busy["document"].slug]))
    html = page.content.decode()
    assert "restore the section first" in html
    # The section's deletion may be listed on another page: its link opens that page.
    link = section_deletion.get_absolute_url().replace("&", "&amp;")
    assert f'href="{link}"' in html and f'id="deletion-{section_deletion.pk}"' in html
    response = client.post(
        reverse("drafting:deletion-restore", args=[practice_deletion.pk]), follow=True
    )
    message = _messages(response)
    assert "Restore the section first" in message
    assert section_deletion.get_absolute_url() in message
    assert not Practice.objects.filter(pk=p1.pk).exists()
    # Once the section is back, the practice can come back too, with its amendment.
    actions.restore_deletion(section_deletion, by=secretariat)
    actions.restore_deletion(practice_deletion, by=secretariat)
    change = Amendment.objects.get(pk=busy["amendments"][0].pk)
    assert change.practice_id == p1.pk


def test_undelete_from_the_history_page_goes_through_the_deletion(expert, busy):
    p1 = busy["practices"][0]
    change = busy["amendments"][0]
    actions.delete_practice(p1, by=expert)
    actions.undelete_practice(p1.pk, by=expert)
    change.refresh_from_db()
    assert change.practice_id == p1.pk
    assert Deletion.objects.get().restored_by == expert


def test_undelete_of_a_practice_deleted_before_deletions_were_recorded(expert, busy):
    """A delete made without a Deletion (old data): one is rebuilt from history."""
    p1, p2, _ = busy["practices"]
    change = busy["amendments"][0]
    change.practice = None
    stamp(change, by=expert, reason="The practice it concerns was deleted.")
    change.save()
    pk = p1.pk
    stamp(p1, by=expert, reason="Old delete.")
    p1.delete()
    actions.undelete_practice(pk, by=expert)
    change.refresh_from_db()
    assert change.practice_id == pk
    assert _practices(p2.section)[0].pk == pk


# --- stale forms, races, double submits -----------------------------------------------------------


def test_deleting_a_practice_from_a_stale_page_is_a_conflict(client, expert, other_expert, busy):
    p1 = busy["practices"][0]
    login(client, expert)
    url = reverse("drafting:practice-delete", args=[p1.pk])
    seen = client.get(url).context["form"]["base_revision"].value()
    actions.update_practice(
        p1, by=other_expert, heading=p1.heading, body="Newer text.", base_revision=seen
    )
    before = _history_rows()
    response = client.post(url, {"base_revision": seen, "reason": "Gone."})
    assert response.status_code == 409
    text = response.content.decode()
    assert "Not deleted: this practice changed since you opened this page" in text
    assert "Newer text." in text and other_expert.get_full_name() in text
    assert Practice.objects.get(pk=p1.pk).body == "Newer text."
    assert not Deletion.objects.exists() and _history_rows() == before
    # The form now carries the current revision: deleting again is a deliberate choice.
    assert response.context["form"]["base_revision"].value() == seen + 1


def test_deleting_a_section_from_a_stale_page_is_a_conflict(
    client, other_expert, secretariat, busy
):
    middle = busy["sections"][1]
    login(client, secretariat)
    url = reverse("drafting:section-delete", args=[middle.pk])
    seen = client.get(url).context["form"]["seen"].value()
    make_practice(middle, by=other_expert, heading="Added meanwhile")
    response = client.post(url, {"seen": seen})
    assert response.status_code == 409
    text = response.content.decode()
    assert "Not deleted: this section changed" in text and "Added meanwhile" in text
    assert Section.objects.filter(pk=middle.pk).exists() and not Deletion.objects.exists()


def test_edit_landing_inside_the_delete_never_records_the_stale_text(expert, other_expert, busy):
    """An expert's save lands after the delete has read the practice: the delete is refused."""
    p1 = busy["practices"][0]
    real = deletion_actions._detach_from_practice

    def edit_meanwhile(practice, *, by):
        actions.update_practice(
            practice, by=other_expert, heading=p1.heading, body="Saved meanwhile.", base_revision=1
        )
        return real(practice, by=by)

    with (
        mock.patch.object(deletion_actions, "_detach_from_practice", edit_meanwhile),
        pytest.raises(actions.StaleRevision),
    ):
        actions.delete_practice(p1, by=expert, seen_revision=1)
    assert Practice.objects.filter(pk=p1.pk).exists()
    assert not Practice.history.filter(id=p1.pk, history_type="-").exists()
    assert not Deletion.objects.exists()


def test_double_submit_of_a_practice_delete_deletes_once(client, expert, busy):
    p1 = busy["practices"][0]
    login(client, expert)
    url = reverse("drafting:practice-delete", args=[p1.pk])
    data = {"base_revision": p1.revision, "reason": "Twice."}
    assert client.post(url, data).status_code == 302
    before = _history_rows()
    response = client.post(url, data, follow=True)
    assert response.status_code == 200
    assert "already deleted" in _messages(response)
    assert "Nothing more was deleted." in _messages(response)
    assert Deletion.objects.count() == 1 and _history_rows() == before


def test_double_submit_of_a_section_delete_deletes_once(client, secretariat, busy):
    middle = busy["sections"][1]
    login(client, secretariat)
    url = reverse("drafting:section-delete", args=[middle.pk])
    seen = client.get(url).context["form"]["seen"].value()
    assert client.post(url, {"seen": seen}).status_code == 302
    before = _history_rows()
    response = client.post(url, {"seen": seen}, follow=True)
    assert "already deleted" in _messages(response)
    assert Deletion.objects.count() == 1 and _history_rows() == before


# --- HTTP: methods, logins, roles ---------------------------------------------------------------


def test_restore_is_post_only_and_needs_a_login_and_a_role(client, observer, secretariat, busy):
    middle = busy["sections"][1]
    deletion = actions.delete_section(middle, by=secretariat)
    restore = reverse("drafting:deletion-restore", args=[deletion.pk])
    deleted = reverse("drafting:document-deleted", args=[busy["document"].slug])
    # A form posted after logout: the login page, nothing changed.
    for url in (restore, deleted):
        response = client.post(url) if url == restore else client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    login(client, observer)
    assert client.get(restore).status_code == 405
    page = client.get(deleted)
    assert page.status_code == 200 and "Restore</button>" not in page.content.decode()
    response = client.post(restore)
    assert response.status_code == 403
    assert "Only the secretariat restores" in response.content.decode() or (
        "Observers" in response.content.decode()
    )
    assert not Section.objects.filter(pk=middle.pk).exists()
    for name, pk in (("section-delete", busy["sections"][0].pk), ("practice-delete", 1)):
        assert client.post(reverse(f"drafting:{name}", args=[pk])).status_code in {403, 404}


def test_observer_cannot_delete(client, observer, busy):
    p1 = busy["practices"][0]
    login(client, observer)
    response = client.post(
        reverse("drafting:practice-delete", args=[p1.pk]), {"base_revision": p1.revision}
    )
    assert response.status_code == 403
    assert Practice.objects.filter(pk=p1.pk).exists()


@pytest.mark.parametrize("size", [2, 12])
def test_deleted_page_query_count_does_not_grow(
    size, client, expert, secretariat, django_assert_max_num_queries
):
    document = make_document(by=secretariat, sections=size, practices=2)
    sections = _sections(document)
    for section in sections[: size // 2]:
        actions.delete_practice(section.practices.first(), by=expert)
    for section in sections[size // 2 :]:
        actions.delete_section(section, by=secretariat)
    restored = Deletion.objects.filter(kind="section").first()
    actions.restore_deletion(restored, by=secretariat)
    login(client, expert)
    url = reverse("drafting:document-deleted", args=[document.slug])
    with django_assert_max_num_queries(8):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count('class="deleted-item') == size


# --- The confirmation says which numbers change (issue 17) -------------------------------------


def test_delete_pages_say_which_practices_are_renumbered(client, expert, secretariat):
    document = make_document(by=secretariat, sections=3, practices=3)
    first, middle, last = _sections(document)
    login(client, expert)
    p2 = _practices(first)[1]
    page = client.get(reverse("drafting:practice-delete", args=[p2.pk])).content.decode()
    assert "This renumbers Good Practices 3–9 as 2–8." in page
    final = _practices(last)[2]
    page = client.get(reverse("drafting:practice-delete", args=[final.pk])).content.decode()
    assert "No other practice changes its number." in page

    login(client, secretariat)
    page = client.get(reverse("drafting:section-delete", args=[middle.pk])).content.decode()
    assert "This renumbers Good Practices 7–9 as 4–6." in page
    # Asking changed nothing.
    assert Practice.objects.filter(section__document=document).count() == 9


def test_under_keep_numbers_the_delete_page_says_no_number_changes(client, secretariat):
    document = make_document(by=secretariat, sections=1, practices=3)
    document = actions.update_document_details(
        document,
        by=secretariat,
        seen_revision=document.revision,
        numbering=document.Numbering.KEEP,
        reason="Numbers frozen for the review meeting.",
    )
    login(client, secretariat)
    first = _practices(document.sections.get())[0]
    page = client.get(reverse("drafting:practice-delete", args=[first.pk])).content.decode()
    assert "No other practice changes its number." in page
    assert "This renumbers" not in page


def test_deletion_effect_speaks_the_documents_label_term_and_counts_what_goes():
    from drafting.models import Document
    from drafting.workflow import deletion_effect

    document = Document(label_term="Recommendation", numbering=Document.Numbering.CONTINUOUS)
    numbers = {11: 20, 12: 21, 13: 22, 14: 23}  # an excerpt starting at Recommendation 20
    assert deletion_effect(document, numbers, [11]) == (
        "This renumbers Recommendations 21–23 as 20–22."
    )
    assert deletion_effect(document, numbers, [12, 13]) == "This renumbers Recommendation 23 as 21."
    assert deletion_effect(document, numbers, [14]) == "No other practice changes its number."
    assert deletion_effect(document, numbers, [99]) == ""  # gone meanwhile: nothing to say
