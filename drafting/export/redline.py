"""Redline support: what changed between two snapshots, practice by practice.

Practices are matched by identity (their id survives edits and moves), so a
practice whose text changed is "changed", one that exists only at the end is
"added", only at the start "deleted", and one that changed section or whose
order among the surviving practices changed is "moved". Moves are found with a
longest increasing subsequence, so moving one practice flags that practice,
not every practice it jumped over. Deleted practices and sections are kept in
the output where they stood, after their nearest surviving predecessor, so a
reader sees them struck through in place.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Hashable, Sequence

from drafting.export.snapshot import ExportPractice, ExportSection
from drafting.history import DocumentSnapshot, PracticeSnapshot, SectionSnapshot


def compare(
    old: DocumentSnapshot | None, new: DocumentSnapshot
) -> tuple[list[ExportSection], dict[str, int]]:
    """The sections of ``new`` with change marks against ``old`` (None: nothing existed)."""
    old_sections = {s.id: s for s in old.sections} if old else {}
    old_practices = {p.id: p for p in old.practices} if old else {}
    new_practice_ids = {p.id for p in new.practices}
    old_section_of = {p.id: old_sections[p.section_id] for p in old_practices.values()}

    # Practices that kept their place relative to each other (in document order) did not move.
    common = [p.id for p in new.practices if p.id in old_practices]
    old_rank = {p.id: n for n, p in enumerate(old.practices)} if old else {}
    in_order = _increasing_subsequence(common, old_rank)
    section_rank = {s.id: n for n, s in enumerate(old.sections)} if old else {}
    sections_in_order = _increasing_subsequence(
        [s.id for s in new.sections if s.id in old_sections], section_rank
    )

    counts = {"added": 0, "deleted": 0, "moved": 0, "changed": 0}
    out: list[ExportSection] = []
    for section in new.sections:
        before = old_sections.get(section.id)
        practices: list[ExportPractice] = []
        for practice in section.practices:
            previous = old_practices.get(practice.id)
            moved = previous is not None and (
                practice.id not in in_order or previous.section_id != section.id
            )
            item = _practice(practice, previous, moved, old_section_of)
            practices.append(item)
            if item.change:
                counts[item.change] += 1
            if moved:
                counts["moved"] += 1
        if before is not None:
            practices = _with_deleted(
                practices,
                [p for p in before.practices],
                new_practice_ids,
                counts,
            )
        out.append(_section(section, before, practices, section.id not in sections_in_order))

    # Sections deleted since ``old``: in place, with those of their practices that are gone.
    if old:
        new_section_ids = {s.id for s in new.sections}
        gone = [s for s in old.sections if s.id not in new_section_ids]
        for section in gone:
            practices = _with_deleted([], section.practices, new_practice_ids, counts)
            deleted = ExportSection(
                key=f"s{section.id}",
                title=section.title,
                introduction="",
                practices=practices,
                change="deleted",
                old_title=section.title,
                old_introduction=section.introduction,
            )
            anchor = _surviving_predecessor(old.sections, section, new_section_ids)
            index = next((i + 1 for i, s in enumerate(out) if s.key == f"s{anchor}"), 0)
            # Keep several deleted sections in their old order.
            while index < len(out) and out[index].change == "deleted":
                index += 1
            out.insert(index, deleted)
    return out, counts


def _practice(
    practice: PracticeSnapshot,
    previous: PracticeSnapshot | None,
    moved: bool,
    old_section_of: dict[int, SectionSnapshot],
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
        item.note = f"Moved{where}; formerly Good Practice {previous.number}."
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
    practices: list[ExportPractice],
    old_practices: Sequence[PracticeSnapshot],
    surviving: set[int],
    counts: dict[str, int],
) -> list[ExportPractice]:
    """``practices`` with the old ones that no longer exist inserted where they stood."""
    present = {p.key for p in practices}
    followers: dict[str | None, list[ExportPractice]] = {}
    anchor: str | None = None
    for old in old_practices:
        if old.id not in surviving:
            counts["deleted"] += 1
            followers.setdefault(anchor, []).append(
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
        elif f"p{old.id}" in present:
            anchor = f"p{old.id}"
    result = list(followers.get(None, []))
    for practice in practices:
        result.append(practice)
        result.extend(followers.get(practice.key, []))
    return result


def _surviving_predecessor(
    old_sections: Sequence[SectionSnapshot], section: SectionSnapshot, surviving: set[int]
) -> int | None:
    anchor = None
    for s in old_sections:
        if s.id == section.id:
            return anchor
        if s.id in surviving:
            anchor = s.id
    return anchor


def _increasing_subsequence(ids: list[Hashable], rank: dict) -> set:
    """The ids of a longest subsequence of ``ids`` whose old ranks increase (patience sort)."""
    tails: list[int] = []  # rank at the end of the best run of each length
    tail_index: list[int] = []
    parent: list[int] = [-1] * len(ids)
    for i, key in enumerate(ids):
        r = rank[key]
        k = bisect_left(tails, r)
        if k == len(tails):
            tails.append(r)
            tail_index.append(i)
        else:
            tails[k], tail_index[k] = r, i
        parent[i] = tail_index[k - 1] if k else -1
    keep, i = set(), tail_index[-1] if tail_index else -1
    while i != -1:
        keep.add(ids[i])
        i = parent[i]
    return keep
