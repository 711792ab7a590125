"""One order of history: history_id, never an application host's clock, decides what is latest.

Two application hosts whose clocks disagree write history rows whose dates go
backwards while their ids go forwards; two saves in the same instant carry
equal dates. Every page, export, meeting, conflict message and presence report
must then agree on the current revision and on who made it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from drafting import actions, reads
from drafting.export import build, export
from drafting.history import (
    detect_moves,
    document_as_of,
    points,
    practice_as_of,
    practice_history,
    section_history,
    stamp,
)
from drafting.models import Practice, ReviewMeeting
from tests.conftest import clock, login, make_document

# A fixed moment: no test here reads the real clock.
T = datetime(2025, 3, 12, 10, 0, tzinfo=UTC)


def _save(practice: Practice, *, by, word: str, at: datetime) -> Practice:
    """A save through the real action, on a host whose clock reads ``at``."""
    with clock(at):
        practice.refresh_from_db()
        return actions.update_practice(
            practice,
            by=by,
            heading=f"Heading {word}",
            body=f"Body {word}.",
            base_revision=practice.revision,
            reason=f"Saved {word}.",
        )


def _name(user) -> str:
    return f"{user.get_full_name()} ({user.profile.delegation.name})"


def _get(client: Client, url: str, **query) -> str:
    response = client.get(url, query)
    assert response.status_code == 200, (url, response.content[:300])
    return response.content.decode()


def _first_author(page: str) -> str:
    """The name in the first "who" line of a timeline (entries are listed newest first)."""
    marker = '<span class="who">'
    start = page.index(marker, page.index('class="change-who')) + len(marker)
    return page[start : page.index("</span>", start)]


@pytest.fixture
def meeting_doc(secretariat):
    """A document written the day before T, and a meeting running on T's day."""
    with clock(T - timedelta(days=1)):
        document = make_document(by=secretariat, sections=2, practices=2)
        meeting = ReviewMeeting(
            document=document,
            kind=ReviewMeeting.Kind.REVIEW,
            title="Review meeting",
            city="Rabat",
            starts_on=T.date(),
            ends_on=T.date(),
        )
        stamp(meeting, by=secretariat, reason="Planned.")
        meeting.save()
    practice = Practice.objects.filter(section__document=document).order_by("id").first()
    return document, practice, meeting


def _assert_every_read_names(client, document, practice, meeting, *, word, editor, revision):
    """Pages, exports, meeting, conflict, presence and "what changed" agree on the latest save."""
    current, stale = f"Heading {word}", "Heading three" if word != "three" else "Heading two"
    # The document and section pages (live tables).
    for url in [document.get_absolute_url(), practice.section.get_absolute_url()]:
        page = _get(client, url)
        assert current in page and stale not in page
    # The export of the current text, as a model and downloaded through the view.
    model = build(document)
    assert model.practices[0].heading == current
    download = client.get(reverse("drafting:document-export", args=[document.slug, "md"]))
    assert current in download.content.decode() and stale not in download.content.decode()
    # "As of" any moment after every save, whatever the dates the hosts wrote.
    for later in [T + timedelta(seconds=10), T + timedelta(days=1)]:
        assert document_as_of(document, later).practice(practice.pk).revision == revision
        assert practice_as_of(practice.pk, later).heading == current
        text = export(document, "md", points.at(later)).content.decode()
        assert current in text and stale not in text
    # The practice's and its section's history: newest entry first, by the editor.
    page = _get(client, reverse("drafting:practice-history", args=[practice.pk]))
    assert f'<p class="lead" dir="auto"><strong>{current}</strong></p>' in page
    assert _first_author(page) == _name(editor)
    timeline = practice_history(practice.pk)
    assert (timeline.latest.revision, timeline.entries[-1].author.name) == (
        revision,
        editor.get_full_name(),
    )
    assert section_history(practice.section_id).entries[-1].row.revision == revision
    page = _get(client, reverse("drafting:section-history", args=[practice.section_id]))
    assert _first_author(page) == _name(editor)
    # The meeting running today: what changed during it, and who made the last change.
    page = _get(client, reverse("drafting:meeting-detail", args=[meeting.pk]))
    assert current in page and f"Last change: {_name(editor)}" in page
    during = reads.meeting_page(meeting).during
    assert [c.after.revision for c in during.changes] == [revision]
    # What changed since the day before.
    page = _get(
        client,
        reverse("drafting:document-changes", args=[document.slug]),
        since=(T - timedelta(hours=1)).isoformat(),
    )
    assert current in page and f"Last change: {_name(editor)}" in page
    # The dashboard's recent changes start with the latest save.
    recent = reads.recent_changes(document, {s.pk: s for s in document.sections.all()}, limit=3)
    assert recent[0].who == _name(editor) and current in recent[0].what
    # Presence: a form opened at revision 1 is told who changed it.
    report = actions.heartbeat(practice, user=editor, base_revision=1)
    assert report.stale and report.changed_by == _name(editor)
    # The merge page lists each revision saved since the form's, the last one by its editor.
    response = client.post(
        reverse("drafting:practice-edit", args=[practice.pk]),
        {"heading": "Mine", "body": "Mine.", "base_revision": 1, "reason": ""},
    )
    assert response.status_code == 409
    assert f"Revision {revision} saved by {_name(editor)}" in response.content.decode()
    # A structure change from a page showing revision 1 is refused naming the last editor.
    with pytest.raises(actions.StaleRevision) as refused:
        actions.step_practice(practice, by=editor, direction="down", seen_revision=1)
    assert f"last changed by {_name(editor)}" in str(refused.value)


def test_skewed_clocks_every_read_agrees_on_the_latest_save(
    client, meeting_doc, expert, other_expert, secretariat, observer
):
    document, practice, meeting = meeting_doc
    # Host B (on time) saves revision 2; host A, 3 s fast, saves revision 3; host B saves
    # revision 4 a moment later, dated before revision 3.
    _save(practice, by=expert, word="two", at=T)
    _save(practice, by=other_expert, word="three", at=T + timedelta(seconds=3))
    _save(practice, by=secretariat, word="four", at=T + timedelta(seconds=1))
    rows = list(practice.history.order_by("history_id"))
    assert [r.revision for r in rows] == [1, 2, 3, 4]
    assert rows[3].history_date < rows[2].history_date  # dates went backwards

    # Read on host B, whose clock is behind the date host A wrote.
    with clock(T + timedelta(milliseconds=500)):
        login(client, secretariat)
        _assert_every_read_names(
            client, document, practice, meeting, word="four", editor=secretariat, revision=4
        )


def test_equal_timestamps_the_later_save_wins_everywhere(
    client, meeting_doc, expert, other_expert, secretariat
):
    document, practice, meeting = meeting_doc
    # Two saves in the same instant (a frozen clock): the database order decides.
    _save(practice, by=expert, word="two", at=T)
    _save(practice, by=other_expert, word="three", at=T)
    rows = list(practice.history.order_by("history_id"))
    assert rows[1].history_date == rows[2].history_date
    with clock(T):
        assert document_as_of(document, T).practice(practice.pk).revision == 3
        login(client, secretariat)
        _assert_every_read_names(
            client, document, practice, meeting, word="three", editor=other_expert, revision=3
        )


def test_as_of_a_moment_never_returns_a_superseded_revision(meeting_doc, expert, other_expert):
    """Of the rows dated at or before a moment, the latest in the database's order."""
    document, practice, _ = meeting_doc
    _save(practice, by=expert, word="two", at=T + timedelta(seconds=5))  # a fast host
    _save(practice, by=other_expert, word="three", at=T + timedelta(seconds=2))  # then a slow one
    # Before either date: the text of the day before.
    assert practice_as_of(practice.pk, T).revision == 1
    # From T+2 s on, the slow host's row (written after the fast host's) is the text:
    # revision 3, never the superseded revision 2, whatever date its host gave it.
    assert practice_as_of(practice.pk, T + timedelta(seconds=2)).revision == 3
    assert practice_as_of(practice.pk, T + timedelta(seconds=6)).revision == 3
    assert document_as_of(document).practice(practice.pk).revision == 3


def test_a_back_dated_import_of_another_document_leaves_this_ones_past_alone(
    meeting_doc, secretariat, expert
):
    """Rows written late but dated long ago (an import, the demo loader) touch only their own."""
    document, practice, _ = meeting_doc
    _save(practice, by=expert, word="two", at=T)
    with clock(T + timedelta(days=1)):
        make_document(by=secretariat, sections=1, practices=1, when=T - timedelta(days=30))
    before = T - timedelta(hours=1)
    assert practice_as_of(practice.pk, before).revision == 1
    assert document_as_of(document, before).practice(practice.pk).heading == "Practice 1.1"
    assert document_as_of(document).practice(practice.pk).heading == "Heading two"


def test_practice_numbers_on_history_pages_follow_the_order_of_changes(secretariat, expert):
    """A move written by a slow host after a fast host's edit is replayed after it."""
    with clock(T - timedelta(days=1)):
        document = make_document(by=secretariat, sections=1, practices=3)
    first, second, third = Practice.objects.filter(section__document=document).order_by("position")
    _save(third, by=expert, word="edited", at=T + timedelta(seconds=5))
    with clock(T + timedelta(seconds=1)):
        third.refresh_from_db()
        actions.move_practice(third, by=expert, first=True, reason="First.")
    timeline = practice_history(third.pk)
    assert [e.row.history_type for e in timeline.entries] == ["+", "~", "~"]
    # The edit was made as number 3, the move made it number 1.
    assert [e.number for e in timeline.entries] == [3, 3, 1]
    assert timeline.current_number == 1


# --- one move detector ---------------------------------------------------------------------------


def _changes_page_and_redline(client, user, document):
    """ "What changed since" and the redline export, both from an hour before T."""
    since = T - timedelta(hours=1)
    with clock(T + timedelta(minutes=1)):
        login(client, user)
        page = _get(
            client,
            reverse("drafting:document-changes", args=[document.slug]),
            since=since.isoformat(),
        )
        return page, build(document, redline_from=points.at(since))


def _swap_sections(document, by):
    first, second = document.sections.order_by("position")
    actions.move_section(second, by=by, first=True, reason="Second section first.")
    return first, second


def test_swapped_sections_page_and_export_agree(client, secretariat, expert):
    with clock(T - timedelta(days=1)):
        document = make_document(by=secretariat, sections=2, practices=3)
    with clock(T):
        first, second = _swap_sections(document, secretariat)
    page, model = _changes_page_and_redline(client, expert, document)
    # One move, of the section; its practices kept their place in it and are only renumbered.
    assert page.count("Section moved") == 1 and ">Moved</span>" not in page
    assert "6 other practices only renumbered" in page
    assert model.redline.moved == 0 and not any(p.moved for p in model.practices)
    # The section whose position was written is the one that moved, on both.
    assert [(s.title, s.moved) for s in model.sections] == [
        ("Section 2", True),
        ("Section 1", False),
    ]
    assert "Section 2" in page[: page.index("Section moved")].rsplit("<h2>", 1)[1]


def test_moves_across_and_within_sections_page_and_export_agree(client, secretariat, expert):
    with clock(T - timedelta(days=1)):
        document = make_document(by=secretariat, sections=2, practices=3)
    s1, s2 = document.sections.order_by("position")
    p11, p12, p13 = s1.practices.order_by("position")
    p21 = s2.practices.order_by("position").first()
    with clock(T):
        actions.move_practice(p13, by=expert, first=True, reason="Up.")
        p21.refresh_from_db()
        actions.move_practice(p21, by=expert, section=s1, after=p11, reason="Across.")
        first, second = _swap_sections(document, secretariat)
    page, model = _changes_page_and_redline(client, expert, document)
    flagged_export = {p.heading for p in model.practices if p.moved}
    assert flagged_export == {"Practice 1.3", "Practice 2.1"}
    assert model.redline.moved == 2 == page.count(">Moved</span>")
    for heading in flagged_export:
        assert heading in page


def test_detect_moves_flags_the_practice_that_was_written():
    from drafting.history.snapshots import PracticeSnapshot, SectionSnapshot

    def snap(sid, position, practices):
        return SectionSnapshot(
            id=sid,
            position=position,
            title=f"S{sid}",
            introduction="",
            status="drafting",
            revision=1,
            practices=[
                PracticeSnapshot(pid, sid, pos, "", "", 1, 0, 0, T) for pid, pos in practices
            ],
        )

    then = [snap(1, 10, [(1, 10), (2, 20), (3, 30)]), snap(2, 20, [(4, 10)])]
    # Practice 1 re-placed after 2 (its stored position changed); 4 moved to section 1.
    now = [snap(1, 10, [(2, 20), (1, 25), (3, 30), (4, 40)])]
    moves = detect_moves(then, now)
    assert moves.practices == {1, 4}
    assert moves.sections == frozenset()
    # Sections swapped: the one whose position was written moved.
    swapped = [snap(2, 5, [(4, 10)]), snap(1, 10, [(1, 10), (2, 20), (3, 30)])]
    assert detect_moves(then, swapped) == type(moves)(frozenset(), frozenset({2}))
