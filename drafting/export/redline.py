"""Redline support: what changed between two snapshots, practice by practice.

Practices are matched by identity (their id survives edits and moves), so a
practice whose text changed is "changed", one that exists only at the end is
"added", only at the start "deleted". What "moved" means is decided by the one
move detector the history pages use (history.detect_moves): a practice moved
when it changed section or its order among the practices that stayed in its
section changed; a section moved when its order among the surviving sections
changed (its practices then keep their place in it and are only renumbered).
Deleted practices and sections are kept in the output where they stood, after
their nearest surviving predecessor (history.gone_after_survivors, as on the
pages), so a reader sees them struck through in place.
"""

from __future__ import annotations

from collections.abc import Sequence

from drafting.export.snapshot import ExportPractice, ExportSection
from drafting.history import (
    DocumentSnapshot,
    PracticeSnapshot,
    SectionSnapshot,
    detect_moves,
    gone_after_survivors,
)
from drafting.models.documents import practice_label


def compare(
    old: DocumentSnapshot | None,
    new: DocumentSnapshot,
    notes: dict[int, list[tuple[str, str]]] | None = None,
) -> tuple[list[ExportSection], dict[str, int]]:
    """The sections of ``new`` with change marks against ``old`` (None: nothing existed).

    ``notes``: practice id -> reservations on the record at ``new``'s moment
    (reads.positions.reservation_notes_as_of); a redline prints them as the clean
    text does, as footnotes of the practices that stand in ``new``.
    """
    notes = notes or {}
    old_sections = {s.id: s for s in old.sections} if old else {}
    old_practices = {p.id: p for p in old.practices} if old else {}
    new_practice_ids = {p.id for p in new.practices}
    old_section_of = {p.id: old_sections[p.section_id] for p in old_practices.values()}
    moves = detect_moves(old.sections if old else [], new.sections)

    counts = {"added": 0, "deleted": 0, "moved": 0, "changed": 0}
    out: list[ExportSection] = []
    for section in new.sections:
        before = old_sections.get(section.id)
        practices: list[ExportPractice] = []
        for practice in section.practices:
            previous = old_practices.get(practice.id)
            moved = practice.id in moves.practices
            item = _practice(practice, previous, moved, old_section_of, new.label_term)
            item.reservations = notes.get(practice.id, [])
            practices.append(item)
            if item.change:
                counts[item.change] += 1
            if moved:
                counts["moved"] += 1
        if before is not None:
            practices = _with_deleted(
                list(zip(section.practices, practices, strict=True)),
                before.practices,
                new_practice_ids,
                counts,
            )
        out.append(_section(section, before, practices, section.id in moves.sections))
    if not old:
        return out, counts

    # Sections deleted since ``old``: in place, with those of their practices that are gone.
    new_section_ids = {s.id for s in new.sections}
    gone_sections = gone_after_survivors(
        old.sections,
        here=lambda s: s.id in new_section_ids,
        gone=lambda s: s.id not in new_section_ids,
    )
    placed: list[ExportSection] = []
    for anchor, item in [(None, None), *zip((s.id for s in new.sections), out, strict=True)]:
        if item is not None:
            placed.append(item)
        for section in gone_sections.get(anchor, []):
            placed.append(
                ExportSection(
                    key=f"s{section.id}",
                    title=section.title,
                    introduction="",
                    practices=_with_deleted([], section.practices, new_practice_ids, counts),
                    change="deleted",
                    old_title=section.title,
                    old_introduction=section.introduction,
                )
            )
    return placed, counts


def _practice(
    practice: PracticeSnapshot,
    previous: PracticeSnapshot | None,
    moved: bool,
    old_section_of: dict[int, SectionSnapshot],
    term: str,
) -> ExportPractice:
    item = ExportPractice(
        key=f"p{practice.id}",
        number=practice.number,
        heading=practice.heading,
        body=practice.body,
    )
    if previous is None:
        item.change = "added"
        return item
    item.old_number, item.old_heading, item.old_body = (
        previous.number,
        previous.heading,
        previous.body,
    )
    if (previous.heading, previous.body) != (practice.heading, practice.body):
        item.change = "changed"
    if moved:
        item.moved = True
        source = old_section_of[previous.id]
        where = "" if source.id == practice.section_id else f" from “{source.title}”"
        item.note = f"Moved{where}; formerly {practice_label(term, previous.number)}."
    return item


def _section(
    section: SectionSnapshot,
    before: SectionSnapshot | None,
    practices: list[ExportPractice],
    moved: bool,
) -> ExportSection:
    item = ExportSection(
        key=f"s{section.id}",
        title=section.title,
        introduction=section.introduction,
        status=section.status,
        practices=practices,
    )
    if before is None:
        item.change = "added"
        return item
    item.old_title, item.old_introduction = before.title, before.introduction
    if (before.title, before.introduction) != (section.title, section.introduction):
        item.change = "changed"
    if moved:
        item.moved, item.note = True, "Section moved."
    return item


def _with_deleted(
    practices: list[tuple[PracticeSnapshot, ExportPractice]],
    old_practices: Sequence[PracticeSnapshot],
    surviving: set[int],
    counts: dict[str, int],
) -> list[ExportPractice]:
    """A section's ``practices`` (snapshot, export item) with the old ones that no longer
    exist inserted where they stood."""
    present = {snapshot.id for snapshot, _ in practices}
    followers = gone_after_survivors(
        old_practices, here=lambda p: p.id in present, gone=lambda p: p.id not in surviving
    )
    result: list[ExportPractice] = []
    for anchor, practice in [(None, None), *((s.id, item) for s, item in practices)]:
        if practice is not None:
            result.append(practice)
        for old in followers.get(anchor, []):
            counts["deleted"] += 1
            result.append(
                ExportPractice(
                    key=f"p{old.id}",
                    number=None,
                    heading="",
                    body="",
                    change="deleted",
                    old_number=old.number,
                    old_heading=old.heading,
                    old_body=old.body,
                )
            )
    return result
