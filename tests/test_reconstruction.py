"""The document and its practices can be rebuilt as they stood at any moment."""

from datetime import timedelta

import pytest
from django.utils import timezone

from drafting import actions, reads
from drafting.history import document_as_of, practice_as_of, practice_at_revision, stamp
from drafting.models import Document, Practice
from tests.conftest import make_document


def _at(document, when):
    snapshot = document_as_of(document, when)
    return [(p.number, p.heading) for p in snapshot.practices]


def test_document_as_of_includes_deleted_and_excludes_later_practices(secretariat, expert):
    document = make_document(by=secretariat, sections=2, practices=2)
    before = timezone.now()

    actions.delete_practice(Practice.objects.get(heading="Practice 1.1"), by=expert)
    p = Practice.objects.get(heading="Practice 2.1")
    actions.update_practice(p, by=expert, heading="Practice 2.1 revised", body="x", base_revision=1)
    actions.create_practice(p.section, by=expert, heading="Added later", first=True)
    actions.move_practice(
        Practice.objects.get(heading="Practice 2.2"),
        by=expert,
        section=Practice.objects.get(heading="Practice 1.2").section,
    )

    assert _at(document, before) == [
        (1, "Practice 1.1"),
        (2, "Practice 1.2"),
        (3, "Practice 2.1"),
        (4, "Practice 2.2"),
    ]
    assert _at(document, timezone.now()) == [
        (1, "Practice 1.2"),
        (2, "Practice 2.2"),
        (3, "Added later"),
        (4, "Practice 2.1 revised"),
    ]


def test_snapshot_of_now_matches_live_outline(secretariat, expert):

    document = make_document(by=secretariat, sections=3, practices=3)
    actions.move_practice(Practice.objects.get(heading="Practice 3.3"), by=expert, first=True)
    live = [
        (i.number, i.practice.heading, i.practice.body)
        for e in reads.document_outline(document)
        for i in e.practices
    ]
    snap = [(p.number, p.heading, p.body) for p in document_as_of(document).practices]
    assert snap == live


def test_section_fields_and_deleted_sections(secretariat):
    document = make_document(by=secretariat, sections=2, practices=1)
    before = timezone.now()
    section = document.sections.get(title="Section 1")
    section.title = "Renamed"
    stamp(section, by=secretariat, reason="Rename.")
    section.save()
    doomed = document.sections.get(title="Section 2")
    stamp(doomed, by=secretariat, reason="Drop.")
    doomed.delete()

    then = document_as_of(document, before)
    assert [s.title for s in then.sections] == ["Section 1", "Section 2"]
    assert [len(s.practices) for s in then.sections] == [1, 1]
    now = document_as_of(document)
    assert [s.title for s in now.sections] == ["Renamed"]
    assert [p.heading for p in now.practices] == ["Practice 1.1"]


def test_document_that_did_not_exist_yet(secretariat):
    long_ago = timezone.now() - timedelta(days=1)
    document = make_document(by=secretariat)
    with pytest.raises(Document.DoesNotExist):
        document_as_of(document, long_ago)


def test_practice_at_revision_and_as_of(secretariat, expert):
    document = make_document(by=secretariat, sections=1, practices=1)
    practice = document.sections.get().practices.get()
    first_moment = timezone.now()
    practice = actions.update_practice(
        practice, by=expert, heading="Second", body="b2", base_revision=1
    )
    actions.update_practice(practice, by=expert, heading="Third", body="b3", base_revision=2)

    assert practice_at_revision(practice.pk, 1).heading == "Practice 1.1"
    assert practice_at_revision(practice.pk, 2).heading == "Second"
    assert practice_at_revision(practice.pk, 3).body == "b3"
    assert practice_as_of(practice.pk, first_moment).heading == "Practice 1.1"


def test_reconstruction_query_count_does_not_grow(
    secretariat, expert, django_assert_max_num_queries
):
    small = make_document(by=secretariat, sections=1, practices=2)
    big = make_document(by=secretariat, sections=5, practices=20)
    for p in Practice.objects.filter(section__document=big)[:30]:
        actions.update_practice(
            p, by=expert, heading=p.heading + "!", body="x", base_revision=p.revision
        )
    for document in (small, big):
        with django_assert_max_num_queries(3):
            document_as_of(document)
