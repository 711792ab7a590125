"""A revised copy of an existing document: what differs from the current text, practice by practice.

``compare(plan, document)`` matches each practice of a read file (a plan, with
tracked changes already handled by its mode) to the document's practices, and
lists every practice as *changed*, *new*, *missing* (in the document, not in the
file) or *unchanged*, with the redline between the two texts
(drafting.diff.redline_html, the one word-level differ). Matching, in order:

1. the same text (heading and body) in the same section — an unchanged practice
   is found even when the file renumbered the practices around it;
2. the same label ("Good Practice 5") in the same section, then anywhere in the
   document when the label is unique in the file;
3. the same place (the n-th practice of the same section), when that practice of
   the document is not matched yet: a practice deleted and another typed in its
   place reads as a change.

Sections are matched by title, then by place. The file's section titles and
introductions are not compared: a revised import changes practices only, and
the preview says which sections of the file the document does not have.

Text exported from the document comes back slightly different from what is
stored, and those differences are not changes: footnotes numbered through the
whole document ("[^3]") are numbered from 1 in each practice again, and the
reservations on the record an export prints as a practice's last footnotes
(reads.positions.reservation_notes_as_of) are dropped when they come back
unchanged. ``fingerprint(document)`` is what the preview showed; the import
action refuses a preview whose document has moved on since.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from dataclasses import dataclass, field, replace

from django.utils.safestring import SafeString

from drafting import diff
from drafting.imports.plan import Plan, PlannedAmendment
from drafting.models import Document, Practice, Section
from drafting.reads.documents import practice_numbers
from drafting.reads.positions import reservation_notes_as_of

CHANGED, NEW, MISSING, UNCHANGED = "changed", "new", "missing", "unchanged"

_NOTE_LABEL = re.compile(r"\[\^([^\]\s]+)\]")
# A footnote definition: "[^3]: text", up to the next definition or the end of the body.
_NOTE_DEFINITION = re.compile(
    r"\n*^\[\^([^\]\s]+)\]:[ \t]*(.*?)(?=\n+\[\^[^\]\s]+\]:|\Z)", re.M | re.S
)


@dataclass
class Difference:
    """One practice of the file or of the document, and what importing the file does to it."""

    index: int  # its place in Revision.differences (the preview's choice fields are named by it)
    kind: str  # changed, new, missing, unchanged
    label: str  # the document's label (the file's label for a new practice)
    section: Section  # where it stands, or where a new practice goes
    practice: Practice | None = None  # the document's practice (None: new)
    heading: str = ""  # the file's text (missing: empty)
    body: str = ""
    after: list[int] = field(default_factory=list)  # new: differences it follows, nearest first
    comments: list[dict] = field(default_factory=list)  # Word comments on it in the file
    file_label: str = ""

    @property
    def old_heading(self) -> str:
        # A lead's note is numbered with the body's, so both are relabelled together.
        return local_texts(*self._stored)[0] if self.practice is not None else ""

    @property
    def old_body(self) -> str:
        # Footnotes from 1, as the file's text is compared: a stored "[^3]" is no difference.
        return local_texts(*self._stored)[1] if self.practice is not None else ""

    @property
    def _stored(self) -> tuple[str, str]:
        return self.practice.heading, self.practice.body

    @property
    def heading_redline(self) -> SafeString:
        # A lead's footnote as a numbered mark, in the body's sequence, never "[^1]".
        return diff.lead_redline_html(self.old_heading, self.heading, self.old_body, self.body)

    @property
    def body_redline(self) -> SafeString:
        return diff.redline_html(
            self.old_body, self.body, old_lead=self.old_heading, new_lead=self.heading
        )

    @property
    def is_change(self) -> bool:
        return self.kind != UNCHANGED


@dataclass
class Revision:
    """A plan read from a revised file, compared with the document it is imported into."""

    plan: Plan
    document: Document
    seen: str  # fingerprint(document) when the comparison was made
    differences: list[Difference]
    amendments: list[tuple[PlannedAmendment, Difference | None]]  # tracked changes, matched
    warnings: list[str]

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys((CHANGED, NEW, MISSING, UNCHANGED), 0)
        for d in self.differences:
            out[d.kind] += 1
        return out

    @property
    def changes(self) -> list[Difference]:
        return [d for d in self.differences if d.is_change]

    def in_document_order(self) -> list[Difference]:
        """The differences as a reader of the document meets them: a missing practice where
        it stands, a new one after the practice the file puts before it."""
        keys: dict[int, tuple] = {}
        last: dict[int, tuple] = {}
        for d in self.differences:
            where = (d.section.position, d.section.pk)
            if d.practice is not None:
                keys[d.index] = (*where, d.practice.position, 0, d.index)
                if d.kind != MISSING:
                    last[d.section.pk] = keys[d.index]
            else:
                before = last.get(d.section.pk, (*where, -1, 0, 0))
                keys[d.index] = last[d.section.pk] = (*before[:3], 1, d.index)
        return sorted(self.differences, key=lambda d: keys[d.index])


def fingerprint(document: Document) -> str:
    """What a preview of ``document`` showed: its revision, its sections' and practices'.

    Any edit, move, addition or deletion since changes it (two queries).
    """
    seen = [f"d{document.pk}.{document.revision}"]
    seen += [
        f"s{pk}.{revision}.{status}.{position}"
        for pk, revision, status, position in Section.objects.filter(document=document)
        .order_by("pk")
        .values_list("pk", "revision", "status", "position")
    ]
    seen += [
        f"p{pk}.{revision}.{section}.{position}"
        for pk, revision, section, position in Practice.objects.filter(section__document=document)
        .order_by("pk")
        .values_list("pk", "revision", "section_id", "position")
    ]
    return hashlib.sha256(";".join(seen).encode()).hexdigest()[:24]


def local_notes(body: str) -> str:
    """``body`` with its footnotes labelled 1, 2, … in order of first mention (as stored)."""
    return local_texts("", body)[1]


def local_texts(heading: str, body: str) -> tuple[str, str]:
    """``heading`` and ``body`` with their footnotes labelled 1, 2, … in order of first mention.

    A lead's note ("Lead.[^7]", defined in the body) is mentioned first, so it
    becomes 1 in both texts: relabelling the body alone would leave the lead
    pointing at a note that no longer exists.
    """
    labels: dict[str, str] = {}
    for match in _NOTE_LABEL.finditer(heading + "\n" + body):
        labels.setdefault(match.group(1), str(len(labels) + 1))
    if all(old == new for old, new in labels.items()):
        return heading, body

    def relabel(text: str) -> str:
        return _NOTE_LABEL.sub(lambda m: f"[^{labels[m.group(1)]}]", text)

    return relabel(heading), relabel(body)


def _words(text: str) -> str:
    return " ".join(text.split())


def without_reservations(body: str, notes: list[tuple[str, str]]) -> str:
    """``body`` without the footnotes an export adds for reservations on the record (``notes``)."""
    if not notes or "[^" not in body:
        return body
    printed = {_words(f"{lead}{said}") for lead, said in notes}
    dropped = [m for m in _NOTE_DEFINITION.finditer(body) if _words(m.group(2)) in printed]
    for match in reversed(dropped):
        body = body[: match.start()] + body[match.end() :]
        body = body.replace(f"[^{match.group(1)}]", "")
    return body


def _title(text: str) -> str:
    return _words(text).casefold()


def _match_sections(plan: Plan, sections: list[Section]) -> dict[int, Section | None]:
    """Plan section index -> the document's section it stands for (title, then place)."""
    out: dict[int, Section | None] = {}
    by_title = {_title(s.title): s for s in sections}
    taken: set[int] = set()
    for i, planned in enumerate(plan.sections):
        found = by_title.get(_title(planned.title))
        if found is not None and found.pk not in taken:
            out[i] = found
            taken.add(found.pk)
    for i, _planned in enumerate(plan.sections):
        if i not in out and i < len(sections) and sections[i].pk not in taken:
            out[i] = sections[i]
            taken.add(sections[i].pk)
    return out


def _moved(differences: list[Difference], practices: list[Practice]) -> list[str]:
    """Say which practices the file has in another order: a revised import changes text only.

    The fewest practices that explain the new order are named (those outside the
    longest run the file keeps in the document's order).
    """
    place = {p.pk: n for n, p in enumerate(practices)}
    found = [d for d in differences if d.practice is not None]
    order = [place[d.practice.pk] for d in found]
    # Longest increasing subsequence (patience sorting), remembering its members.
    tails: list[int] = []  # index into ``order`` ending the best run of each length
    before: list[int | None] = []
    for i, value in enumerate(order):
        lo = bisect.bisect_left([order[t] for t in tails], value)
        before.append(tails[lo - 1] if lo else None)
        if lo == len(tails):
            tails.append(i)
        else:
            tails[lo] = i
    kept: set[int] = set()
    i = tails[-1] if tails else None
    while i is not None:
        kept.add(i)
        i = before[i]
    moved = [d.label for n, d in enumerate(found) if n not in kept]
    if not moved:
        return []
    return [
        f"The file has {', '.join(moved)} in another place. A revised import changes text, "
        "not order: nothing is moved (move practices on the document page)."
    ]


def compare(plan: Plan, document: Document) -> Revision:
    """Every practice of ``plan`` and of ``document``, matched, with what differs (see module).

    A fixed number of queries whatever the size of the document.
    """
    seen = fingerprint(document)
    sections = list(Section.objects.filter(document=document).order_by("position", "pk"))
    section_by_pk = {s.pk: s for s in sections}
    for s in sections:
        s.document = document
    practices = list(
        Practice.objects.filter(section__document=document).order_by(
            "section__position", "section_id", "position", "pk"
        )
    )
    for p in practices:
        p.section = section_by_pk[p.section_id]
    numbers = practice_numbers(document)
    label_of = {p.pk: document.label(numbers.get(p.pk)) for p in practices}
    reserved = reservation_notes_as_of([p.pk for p in practices])
    in_section: dict[int, list[Practice]] = {s.pk: [] for s in sections}
    for p in practices:
        in_section[p.section_id].append(p)
    warnings: list[str] = []
    if not sections:
        warnings.append(f"“{document}” has no sections yet: every practice in the file is new.")

    section_of = _match_sections(plan, sections)
    for i, planned in enumerate(plan.sections):
        target = section_of.get(i)
        if target is None:
            fallback = sections[-1] if sections else None
            section_of[i] = fallback
            if fallback is not None:
                warnings.append(
                    f"The document has no section “{planned.title}”: a revised import does not "
                    f"add sections, so its practices are listed as new at the end of "
                    f"“{fallback.title}”."
                )
        elif _title(target.title) != _title(planned.title):
            warnings.append(
                f"The file calls the section “{target.title}” “{planned.title}”; section "
                "titles are not changed by a revised import."
            )

    # The file's practices, in order, with their text as it compares with the stored text.
    found: list[tuple[int, object, str, str]] = []  # (plan section index, planned, heading, body)
    for i, planned in enumerate(plan.sections):
        for p in planned.practices:
            found.append((i, p, *local_texts(p.heading, p.body)))
    matched: dict[int, Practice] = {}  # index in ``found`` -> the document's practice
    taken: set[int] = set()

    def take(n: int, practice: Practice) -> None:
        matched[n] = practice
        taken.add(practice.pk)

    def stored_text(practice: Practice, heading: str, body: str) -> tuple[str, str]:
        return heading, without_reservations(body, reserved.get(practice.pk, []))

    # 1. The same text in the same section.
    for n, (i, _p, heading, body) in enumerate(found):
        section = section_of.get(i)
        for candidate in in_section.get(section.pk, []) if section else []:
            if candidate.pk not in taken and local_texts(
                candidate.heading, candidate.body
            ) == stored_text(candidate, heading, body):
                take(n, candidate)
                break
    # 2. The same label, in the same section, then anywhere when the file has it once.
    by_label: dict[str, list[Practice]] = {}
    for p in practices:
        by_label.setdefault(_title(label_of[p.pk]), []).append(p)
    file_labels = [_title(p.label) for _i, p, _h, _b in found]
    for n, (i, p, _h, _b) in enumerate(found):
        if n in matched:
            continue
        candidates = [c for c in by_label.get(_title(p.label), []) if c.pk not in taken]
        section = section_of.get(i)
        same = [c for c in candidates if section is not None and c.section_id == section.pk]
        if same:
            take(n, same[0])
        elif candidates and file_labels.count(_title(p.label)) == 1:
            take(n, candidates[0])
    # 3. The same place in the same section.
    place: dict[int, int] = {}
    for n, (i, _p, _h, _b) in enumerate(found):
        place[n] = sum(1 for m in range(n) if found[m][0] == i)
    for n, (i, _p, _h, _b) in enumerate(found):
        section = section_of.get(i)
        if n in matched or section is None:
            continue
        row = in_section.get(section.pk, [])
        if place[n] < len(row) and row[place[n]].pk not in taken:
            take(n, row[place[n]])

    differences: list[Difference] = []
    previous_in: dict[int, list[int]] = {}  # plan section index -> differences so far
    for n, (i, p, heading, body) in enumerate(found):
        practice = matched.get(n)
        if practice is not None:
            heading, body = stored_text(practice, heading, body)
            same = local_texts(practice.heading, practice.body) == (heading, body)
            kind = UNCHANGED if same else CHANGED
            label, section = label_of[practice.pk], practice.section
        else:
            kind, label, section = NEW, p.label, section_of.get(i)
        if section is None:
            continue  # a document without sections: nothing to place it in
        d = Difference(
            index=len(differences),
            kind=kind,
            label=label,
            section=section,
            practice=practice,
            heading=heading,
            body=body,
            after=list(reversed(previous_in.get(i, []))),
            comments=list(p.comments),
            file_label=p.label,
        )
        previous_in.setdefault(i, []).append(d.index)
        differences.append(d)
    warnings += _moved(differences, practices)
    # Practices the file does not have, where they stand in the document.
    for p in practices:
        if p.pk not in taken:
            differences.append(
                Difference(
                    index=len(differences),
                    kind=MISSING,
                    label=label_of[p.pk],
                    section=p.section,
                    practice=p,
                )
            )

    by_file_label = {d.file_label: d for d in differences if d.file_label and d.kind != MISSING}
    amendments: list[tuple[PlannedAmendment, Difference | None]] = []
    for a in plan.amendments:
        if a.kind != "delete":
            # Compared and stored as the differences are: footnotes from 1, no printed reservations.
            same = by_file_label.get(a.label)
            notes = reserved.get(same.practice.pk, []) if same and same.practice else []
            heading, body = local_texts(a.heading, a.body)
            a = replace(a, heading=heading, body=without_reservations(body, notes))
        target = by_file_label.get(a.after or "") if a.kind == "new" else by_file_label.get(a.label)
        if a.kind != "new" and (target is None or target.practice is None):
            warnings.append(
                f"{a.author}'s tracked change to {a.label} is not imported: the document has "
                "no such practice yet."
            )
            continue
        amendments.append((a, target))
    return Revision(
        plan=plan,
        document=document,
        seen=seen,
        differences=differences,
        amendments=amendments,
        warnings=warnings,
    )
