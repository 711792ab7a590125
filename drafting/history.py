"""History: stamping writes, and reconstructing text as it stood at any moment.

Every write to a tracked model is preceded by ``stamp()`` so its history row
names the acting user, the reason and (optionally) the meeting. Reconstruction
reads the history tables only, in a fixed number of queries whatever the size
of the document or the length of its history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import F, Model, OuterRef, Q, QuerySet, Subquery, Window
from django.db.models.functions import Lag, RowNumber
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.safestring import SafeString

from drafting import diff
from drafting.models import Document, Practice, Section


def stamp(
    obj: Model,
    *,
    by,
    reason: str = "",
    meeting=None,
    when: datetime | None = None,
) -> Model:
    """Set who, why, at which meeting (and, for imports, when) for the next save/delete.

    simple-history keeps ``_change_reason`` on the instance after a save, so a
    fresh value is set every time rather than relying on defaults.
    """
    obj._history_user = by
    obj._change_reason = reason
    obj._history_meeting = meeting
    if when is not None:
        obj._history_date = when
    elif hasattr(obj, "_history_date"):
        del obj._history_date
    return obj


@dataclass(frozen=True)
class PracticeSnapshot:
    id: int
    section_id: int
    position: int
    heading: str
    body: str
    revision: int
    number: int
    history_id: int
    changed_at: datetime


@dataclass
class SectionSnapshot:
    id: int
    position: int
    title: str
    introduction: str
    status: str
    revision: int
    practices: list[PracticeSnapshot] = field(default_factory=list)


@dataclass
class DocumentSnapshot:
    """A document's text as it stood at ``at``: sections and practices in order, numbered."""

    document_id: int
    slug: str
    title: str
    short_title: str
    forum: str
    initiative: str
    introduction: str
    status: str
    at: datetime
    sections: list[SectionSnapshot]
    # The document's own history row and the cover facts it held at ``at``
    # (for exports: the cover of a version shows the co-leads of that time).
    history_id: int | None = None
    working_group_id: int | None = None
    implementing_partner_id: int | None = None
    target_meeting_id: int | None = None
    adopted_on: date | None = None
    adopted_at_id: int | None = None

    @property
    def practices(self) -> list[PracticeSnapshot]:
        return [p for s in self.sections for p in s.practices]

    def practice(self, practice_id: int) -> PracticeSnapshot | None:
        return next((p for p in self.practices if p.id == practice_id), None)


def latest_rows_as_of(history: QuerySet, when: datetime) -> QuerySet:
    """For each object in ``history`` (a history QuerySet), its last row at or before ``when``.

    Deleted objects keep their "-" row: callers skip ``history_type == "-"``.
    """
    return _latest_rows_as_of(history, when)


def _latest_rows_as_of(history: QuerySet, when: datetime) -> QuerySet:
    """For each object in ``history``, its last row at or before ``when``."""
    # The window ranks narrow rows (ids and dates) only; full rows, texts included,
    # are fetched for the winners. Ranking whole rows made the database sort every
    # body of a long history (3x slower on 20,000 practice rows).
    latest = (
        history.filter(history_date__lte=when)
        .order_by()
        .annotate(
            row_number=Window(
                RowNumber(),
                partition_by=[F("id")],
                order_by=[F("history_date").desc(), F("history_id").desc()],
            )
        )
        .filter(row_number=1)
        .values("history_id")
    )
    return history.filter(history_id__in=latest)


def document_as_of(document: Document, when: datetime | None = None) -> DocumentSnapshot:
    """Reconstruct ``document`` as it stood at ``when`` (now if omitted).

    Practices deleted since ``when`` are included; practices and sections
    created after it are not. Three queries, whatever the size.
    """
    when = when or timezone.now()
    doc_row = _latest_rows_as_of(Document.history.filter(id=document.pk), when).first()
    if doc_row is None or doc_row.history_type == "-":
        raise Document.DoesNotExist(f"{document} did not exist at {when:%Y-%m-%d %H:%M}.")

    ever_in_document = Section.history.filter(document_id=document.pk).values("id")
    section_rows = [
        row
        for row in _latest_rows_as_of(Section.history.filter(document_id=document.pk), when)
        if row.history_type != "-"
    ]
    sections = {
        row.id: SectionSnapshot(
            id=row.id,
            position=row.position,
            title=row.title,
            introduction=row.introduction,
            status=row.status,
            revision=row.revision,
        )
        for row in section_rows
    }
    # All rows of every practice that ever sat in this document's sections, so a
    # practice's latest row is found even if it later moved or was deleted.
    practice_rows = _latest_rows_as_of(
        Practice.history.filter(section_id__in=ever_in_document), when
    )
    for row in practice_rows:
        if row.history_type == "-" or row.section_id not in sections:
            continue
        sections[row.section_id].practices.append(_practice_snapshot(row, number=0))

    ordered = _in_order_and_numbered(sections.values())

    return DocumentSnapshot(
        document_id=document.pk,
        slug=doc_row.slug,
        title=doc_row.title,
        short_title=doc_row.short_title,
        forum=doc_row.forum,
        initiative=doc_row.initiative,
        introduction=doc_row.introduction,
        status=doc_row.status,
        at=when,
        sections=ordered,
        history_id=doc_row.history_id,
        working_group_id=doc_row.working_group_id,
        implementing_partner_id=doc_row.implementing_partner_id,
        target_meeting_id=doc_row.target_meeting_id,
        adopted_on=doc_row.adopted_on,
        adopted_at_id=doc_row.adopted_at_id,
    )


def _practice_snapshot(row, *, number: int) -> PracticeSnapshot:
    return PracticeSnapshot(
        id=row.id,
        section_id=row.section_id,
        position=row.position,
        heading=row.heading,
        body=row.body,
        revision=row.revision,
        number=number,
        history_id=row.history_id,
        changed_at=row.history_date,
    )


def _in_order_and_numbered(sections) -> list[SectionSnapshot]:
    """Sections and their practices in stored order, practices numbered through the document."""
    ordered = sorted(sections, key=lambda s: (s.position, s.id))
    number = 0
    for section in ordered:
        numbered = []
        for practice in sorted(section.practices, key=lambda p: (p.position, p.id)):
            number += 1
            numbered.append(_practice_snapshot_renumbered(practice, number))
        section.practices = numbered
    return ordered


def _practice_snapshot_renumbered(p: PracticeSnapshot, number: int) -> PracticeSnapshot:
    return PracticeSnapshot(**{**p.__dict__, "number": number})


def practice_at_revision(practice_id: int, revision: int):
    """The history row holding text revision ``revision`` of a practice (its last such row).

    Moves do not change the text revision, so several rows may share one; the
    latest of them is the practice as it stood when that text was current.
    """
    return (
        Practice.history.filter(id=practice_id, revision=revision)
        .order_by("-history_date", "-history_id")
        .first()
    )


def practice_as_of(practice_id: int, when: datetime):
    """The practice's history row current at ``when``, or None if it did not exist then."""
    row = _latest_rows_as_of(Practice.history.filter(id=practice_id), when).first()
    return None if row is None or row.history_type == "-" else row


def meeting_window(meeting) -> tuple[datetime, datetime]:
    """When a meeting opened and closed: start of its first day, end of its last (site zone)."""
    tz = timezone.get_current_timezone()
    opened = datetime.combine(meeting.starts_on, datetime.min.time(), tzinfo=tz)
    closed = datetime.combine(meeting.ends_on, datetime.max.time(), tzinfo=tz)
    return opened, closed


# ---------------------------------------------------------------------------
# Timelines and "what changed since…", for the history pages.
#
# Each reads its history rows once and pairs neighbours in Python (never
# ``prev_record`` in a loop). The number a practice had at a past moment comes
# from one replay of the document's order, built from two queries that fetch
# only the history rows that changed some row's place.
# ---------------------------------------------------------------------------

# Who made a change and at which meeting, fetched with the rows themselves.
_WHO = ("history_user__profile__delegation", "history_meeting")


@dataclass(frozen=True)
class Author:
    name: str
    delegation: str

    def __str__(self) -> str:
        return f"{self.name} ({self.delegation})" if self.delegation else self.name


def author_of(row) -> Author:
    """Who made a history row: their name and (current) delegation."""
    user = row.history_user
    if user is None:
        return Author("Unknown", "")
    try:
        delegation = user.profile.delegation
    except ObjectDoesNotExist:
        delegation = None
    return Author(user.get_full_name() or user.username, str(delegation or ""))


def _order_changes(history: QuerySet) -> QuerySet:
    """Practice rows that created, deleted or re-placed a practice (not pure text edits)."""
    over = {"partition_by": [F("id")], "order_by": [F("history_date").asc(), F("history_id").asc()]}
    # order_by(): the model's default ordering would sort every row for nothing.
    return (
        history.order_by()
        .annotate(
            prev_position=Window(Lag("position"), **over),
            prev_section=Window(Lag("section_id"), **over),
        )
        .filter(
            Q(history_type__in=["+", "-"])
            | Q(prev_position__isnull=True)
            | ~Q(position=F("prev_position"))
            | ~Q(section_id=F("prev_section"))
        )
    )


class OrderReplay:
    """A document's order of sections and practices at any moment, replayed from history.

    Two queries: every section row of the document, and the practice rows that
    created, deleted or moved a practice. ``numbers_at(rows)`` then gives the
    number each practice history row had, in one pass.
    """

    def __init__(self, document_id: int) -> None:
        section_rows = Section.history.filter(document_id=document_id).values_list(
            "id", "position", "title", "history_type", "history_date", "history_id"
        )
        practice_rows = _order_changes(
            Practice.history.filter(
                section_id__in=Section.history.filter(document_id=document_id).values("id")
            )
        ).values_list("id", "section_id", "position", "history_type", "history_date", "history_id")
        events = []
        self.section_titles: dict[int, str] = {}
        latest_title: dict[int, tuple] = {}
        for sid, position, title, kind, when, hid in section_rows:
            events.append(((when, 0, hid), "s", sid, None, position, kind))
            if latest_title.get(sid, ((when, hid), ""))[0] <= (when, hid):
                latest_title[sid] = ((when, hid), title)
        self.section_titles = {sid: title for sid, (_, title) in latest_title.items()}
        for pid, sid, position, kind, when, hid in practice_rows:
            events.append(((when, 1, hid), "p", pid, sid, position, kind))
        events.sort(key=lambda e: e[0])
        self._events = events

    def numbers_at(self, rows) -> dict[int, int | None]:
        """history_id -> the number the practice had just after that row (just before, if deleted).

        None when the practice was then in no section of the document.
        """
        wanted = sorted(
            ((row.history_date, 1, row.history_id), row.id, row.history_type == "-") for row in rows
        )
        result: dict[int, int | None] = {}
        state = _OrderState()
        events, i = self._events, 0
        for key, practice_id, before in wanted:
            while i < len(events) and (events[i][0] < key or (events[i][0] == key and not before)):
                state.apply(events[i])
                i += 1
            result[key[2]] = state.numbers().get(practice_id)
        self._final = state, i
        return result

    def current_numbers(self) -> dict[int, int]:
        """practice id -> number now, for practices that exist."""
        state, i = getattr(self, "_final", (_OrderState(), 0))
        for event in self._events[i:]:
            state.apply(event)
        self._final = state, len(self._events)
        return state.numbers()


class _OrderState:
    """Sections and practices present at one moment of a replay, numbered on demand."""

    def __init__(self) -> None:
        self.sections: dict[int, int] = {}
        self.practices: dict[int, tuple[int, int]] = {}
        self._numbers: dict[int, int] | None = None

    def apply(self, event) -> None:
        _, table, obj_id, section_id, position, kind = event
        target = self.sections if table == "s" else self.practices
        value = position if table == "s" else (section_id, position)
        if kind == "-":
            if target.pop(obj_id, None) is not None:
                self._numbers = None
        elif target.get(obj_id) != value:
            target[obj_id] = value
            self._numbers = None

    def numbers(self) -> dict[int, int]:
        # Renumbering only after an event that changed the order keeps a replay
        # of thousands of text edits linear.
        if self._numbers is None:
            order = sorted(
                (self.sections[sid], sid, position, pid)
                for pid, (sid, position) in self.practices.items()
                if sid in self.sections
            )
            self._numbers = {key[3]: n for n, key in enumerate(order, start=1)}
        return self._numbers


class _RowEntry:
    """What every timeline entry reads off its history row (``row``, ``previous``)."""

    row: object
    previous: object | None

    @property
    def when(self) -> datetime:
        return self.row.history_date

    @property
    def reason(self) -> str:
        return self.row.history_change_reason or ""

    @property
    def meeting(self):
        return self.row.history_meeting

    @property
    def added(self) -> bool:
        return self.row.history_type == "+" and self.previous is None

    @property
    def deleted(self) -> bool:
        return self.row.history_type == "-"


@dataclass
class PracticeEntry(_RowEntry):
    """One history row of a practice, paired with the row before it."""

    row: object
    previous: object | None
    author: Author
    number: int | None = None
    previous_number: int | None = None
    section_title: str = ""
    previous_section_title: str = ""
    # On a section's timeline: the section whose point of view "moved in/out" takes.
    focus_section_id: int | None = None
    is_section: bool = False

    @property
    def undeleted(self) -> bool:
        return self.row.history_type == "+" and self.previous is not None

    @property
    def text_changed(self) -> bool:
        prev = self.previous
        return (
            prev is not None
            and not self.deleted
            and (prev.heading != self.row.heading or prev.body != self.row.body)
        )

    @property
    def section_changed(self) -> bool:
        prev = self.previous
        return prev is not None and not self.deleted and prev.section_id != self.row.section_id

    @property
    def moved_in(self) -> bool:
        return self.section_changed and self.row.section_id == self.focus_section_id

    @property
    def moved_out(self) -> bool:
        return self.section_changed and self.previous.section_id == self.focus_section_id

    @property
    def moved_within(self) -> bool:
        prev = self.previous
        return (
            prev is not None
            and not self.deleted
            and not self.section_changed
            and prev.position != self.row.position
            and self.number != self.previous_number
        )

    @property
    def respaced_only(self) -> bool:
        prev = self.previous
        return (
            prev is not None
            and not self.deleted
            and not self.section_changed
            and not self.text_changed
            and prev.position != self.row.position
            and self.number == self.previous_number
        )

    @property
    def renumbered(self) -> bool:
        return (
            self.number is not None
            and self.previous_number is not None
            and self.number != self.previous_number
        )

    @cached_property
    def heading_redline(self) -> SafeString:
        return diff.redline_html(self.previous.heading if self.previous else "", self.row.heading)

    @cached_property
    def body_redline(self) -> SafeString:
        return diff.redline_html(self.previous.body if self.previous else "", self.row.body)

    @property
    def heading_changed(self) -> bool:
        return self.text_changed and self.previous.heading != self.row.heading

    @property
    def body_changed(self) -> bool:
        return self.text_changed and self.previous.body != self.row.body


@dataclass
class SectionEntry(_RowEntry):
    """One history row of a section (its title, introduction or status changed)."""

    row: object
    previous: object | None
    author: Author
    is_section: bool = True

    @property
    def title_changed(self) -> bool:
        return self.previous is not None and self.previous.title != self.row.title

    @property
    def introduction_changed(self) -> bool:
        return self.previous is not None and self.previous.introduction != self.row.introduction

    @property
    def status_changed(self) -> bool:
        return self.previous is not None and self.previous.status != self.row.status

    @property
    def moved(self) -> bool:
        return self.previous is not None and self.previous.position != self.row.position

    @property
    def status_label(self) -> str:
        return Section.Status(self.row.status).label

    @property
    def previous_status_label(self) -> str:
        return Section.Status(self.previous.status).label if self.previous else ""

    @cached_property
    def title_redline(self) -> SafeString:
        return diff.redline_html(self.previous.title if self.previous else "", self.row.title)

    @cached_property
    def introduction_redline(self) -> SafeString:
        return diff.redline_html(
            self.previous.introduction if self.previous else "", self.row.introduction
        )


@dataclass
class Revision:
    """One text revision of a practice: when it was written, by whom, and its text."""

    number: int
    first_row: object
    last_row: object
    author: Author

    @property
    def when(self) -> datetime:
        return self.first_row.history_date

    @property
    def heading(self) -> str:
        return self.last_row.heading

    @property
    def body(self) -> str:
        return self.last_row.body


@dataclass
class PracticeHistory:
    practice_id: int
    document_id: int | None
    entries: list[PracticeEntry]
    current_number: int | None
    section_titles: dict[int, str]

    @property
    def latest(self):
        return self.entries[-1].row

    @property
    def exists(self) -> bool:
        return self.latest.history_type != "-"

    @property
    def last_number(self) -> int | None:
        """The number it has now or, once deleted, the one it had when deleted."""
        if self.exists:
            return self.current_number
        return self.entries[-1].number

    @cached_property
    def revisions(self) -> dict[int, Revision]:
        """Text revision number -> Revision, oldest first."""
        out: dict[int, Revision] = {}
        for entry in self.entries:
            rev = entry.row.revision
            if rev in out:
                out[rev].last_row = entry.row
            else:
                out[rev] = Revision(rev, entry.row, entry.row, entry.author)
        return out


def _document_of_section(section_id: int) -> int | None:
    return (
        Section.history.filter(id=section_id)
        .order_by("-history_date", "-history_id")
        .values_list("document_id", flat=True)
        .first()
    )


def practice_history(practice_id: int, *, numbered: bool = True) -> PracticeHistory | None:
    """Every change to one practice, oldest first, each paired with the one before.

    Works for a deleted practice too (its rows outlive it); None if it never
    existed. A fixed number of queries: the rows, their document, and (when
    ``numbered``) the two queries of the order replay.
    """
    rows = list(
        Practice.history.filter(id=practice_id)
        .select_related(*_WHO)
        .order_by("history_date", "history_id")
    )
    if not rows:
        return None
    document_id = _document_of_section(rows[-1].section_id)
    numbers: dict[int, int | None] = {}
    current: dict[int, int] = {}
    titles: dict[int, str] = {}
    if numbered and document_id is not None:
        replay = OrderReplay(document_id)
        numbers = replay.numbers_at(rows)
        current = replay.current_numbers()
        titles = replay.section_titles
    entries = []
    for i, row in enumerate(rows):
        prev = rows[i - 1] if i else None
        entries.append(
            PracticeEntry(
                row=row,
                previous=prev,
                author=author_of(row),
                number=numbers.get(row.history_id),
                previous_number=numbers.get(prev.history_id) if prev else None,
                section_title=titles.get(row.section_id, ""),
                previous_section_title=titles.get(prev.section_id, "") if prev else "",
            )
        )
    return PracticeHistory(
        practice_id=practice_id,
        document_id=document_id,
        entries=entries,
        current_number=current.get(practice_id),
        section_titles=titles,
    )


@dataclass
class SectionHistory:
    section_id: int
    document_id: int
    entries: list[PracticeEntry | SectionEntry]
    existing_practices: set[int]

    @property
    def latest(self):
        return next(e.row for e in reversed(self.entries) if e.is_section)

    @property
    def exists(self) -> bool:
        return self.latest.history_type != "-"

    @property
    def title(self) -> str:
        return self.latest.title


def section_history(section_id: int) -> SectionHistory | None:
    """Changes to a section and to the practices that were in it, oldest first.

    Practice entries are the rows where a practice was added to, changed in,
    moved into, out of or within, or deleted from this section. Five queries.
    """
    section_rows = list(
        Section.history.filter(id=section_id)
        .select_related(*_WHO)
        .order_by("history_date", "history_id")
    )
    if not section_rows:
        return None
    document_id = section_rows[-1].document_id
    practice_rows = list(
        Practice.history.filter(id__in=Practice.history.filter(section_id=section_id).values("id"))
        .select_related(*_WHO)
        .order_by("id", "history_date", "history_id")
    )
    kept: list[tuple[object, object | None]] = []
    for i, row in enumerate(practice_rows):
        prev = practice_rows[i - 1] if i and practice_rows[i - 1].id == row.id else None
        if row.section_id == section_id or (prev is not None and prev.section_id == section_id):
            kept.append((row, prev))
    replay = OrderReplay(document_id)
    numbers = replay.numbers_at([r for pair in kept for r in pair if r is not None])
    existing = set(replay.current_numbers())
    titles = replay.section_titles
    entries: list[PracticeEntry | SectionEntry] = [
        SectionEntry(row=row, previous=section_rows[i - 1] if i else None, author=author_of(row))
        for i, row in enumerate(section_rows)
    ]
    for row, prev in kept:
        entries.append(
            PracticeEntry(
                row=row,
                previous=prev,
                author=author_of(row),
                number=numbers.get(row.history_id),
                previous_number=numbers.get(prev.history_id) if prev else None,
                section_title=titles.get(row.section_id, ""),
                previous_section_title=titles.get(prev.section_id, "") if prev else "",
                focus_section_id=section_id,
            )
        )
    # Section rows first on a tie: a section is created before its practices.
    entries.sort(key=lambda e: (e.when, 0 if e.is_section else 1, e.row.history_id))
    return SectionHistory(section_id, document_id, entries, existing)


def document_now(document: Document) -> DocumentSnapshot:
    """The document as it stands now, read from the live tables: same shape as document_as_of().

    Much cheaper than replaying history for "now" (no window over every history
    row); each practice still carries its latest history row id and date. Two
    queries.
    """
    # The row that wrote the live row is the last one inserted (highest history_id),
    # whatever date it carries; SQLite finds it straight from the index on id.
    latest = Practice.history.filter(id=OuterRef("pk")).order_by("-history_id")
    practices = (
        Practice.objects.filter(section__document=document)
        .annotate(
            last_history_id=Subquery(latest.values("history_id")[:1]),
            last_changed_at=Subquery(latest.values("history_date")[:1]),
        )
        .order_by("position", "id")
    )
    sections = {
        s.pk: SectionSnapshot(
            id=s.pk,
            position=s.position,
            title=s.title,
            introduction=s.introduction,
            status=s.status,
            revision=s.revision,
        )
        for s in Section.objects.filter(document=document)
    }
    for p in practices:
        sections[p.section_id].practices.append(
            PracticeSnapshot(
                id=p.pk,
                section_id=p.section_id,
                position=p.position,
                heading=p.heading,
                body=p.body,
                revision=p.revision,
                number=0,
                history_id=p.last_history_id,
                changed_at=p.last_changed_at,
            )
        )
    ordered = _in_order_and_numbered(sections.values())
    return DocumentSnapshot(
        document_id=document.pk,
        slug=document.slug,
        title=document.title,
        short_title=document.short_title,
        forum=document.forum,
        initiative=document.initiative,
        introduction=document.introduction,
        status=document.status,
        at=timezone.now(),
        sections=ordered,
    )


@dataclass
class ChangeSince:
    """One practice added, changed, moved or deleted between two snapshots."""

    before: PracticeSnapshot | None
    after: PracticeSnapshot | None
    moved: bool = False
    last_row: object | None = None

    @property
    def practice_id(self) -> int:
        return (self.after or self.before).id

    @property
    def added(self) -> bool:
        return self.before is None

    @property
    def deleted(self) -> bool:
        return self.after is None

    @property
    def text_changed(self) -> bool:
        return (
            self.before is not None
            and self.after is not None
            and (self.before.heading != self.after.heading or self.before.body != self.after.body)
        )

    @property
    def renumbered(self) -> bool:
        return (
            self.before is not None
            and self.after is not None
            and self.before.number != self.after.number
        )

    @property
    def author(self) -> Author | None:
        return self.last_row.author if self.last_row is not None else None

    # Labels prepared in Python: "what changed" lists hundreds of practices, and a
    # few strings per practice render much faster than a template full of tests.
    @cached_property
    def kinds(self) -> list[tuple[str, str]]:
        """(css class, label) badges: Added / Deleted / Text edited / Moved."""
        if self.added:
            return [("kind-added", "Added")]
        if self.deleted:
            return [("kind-deleted", "Deleted")]
        out = []
        if self.text_changed:
            out.append(("kind-changed", "Text edited"))
        if self.moved:
            out.append(("kind-moved", "Moved"))
        return out

    @cached_property
    def history_url(self) -> str:
        # Pages listing hundreds of changes set this themselves from one reverse().
        return reverse("drafting:practice-history", args=[self.practice_id])

    @cached_property
    def number_label(self) -> str:
        if self.after is None:
            return f"was Good Practice {self.before.number}"
        if self.renumbered:
            return f"Good Practice {self.after.number} (was Good Practice {self.before.number})"
        return f"Good Practice {self.after.number}"

    @cached_property
    def last_change_label(self) -> str:
        """Who made the latest change, when, and why (plain text; the template escapes it)."""
        if self.last_row is None:
            return ""
        when = timezone.localtime(self.last_row.history_date)
        label = f"Last change: {self.author} · {when.day} {when:%B %Y, %H:%M}"
        reason = self.last_row.history_change_reason
        return f"{label} · {reason}" if reason else label

    @cached_property
    def heading_redline(self) -> SafeString:
        return diff.redline_html(
            self.before.heading if self.before else "", self.after.heading if self.after else ""
        )

    @cached_property
    def body_redline(self) -> SafeString:
        return diff.redline_html(
            self.before.body if self.before else "", self.after.body if self.after else ""
        )


@dataclass
class SectionChanges:
    """A section (as now, or as it was if deleted since) and its changed practices in order."""

    before: SectionSnapshot | None
    after: SectionSnapshot | None
    changes: list[ChangeSince]

    @property
    def title(self) -> str:
        return (self.after or self.before).title

    @property
    def section_id(self) -> int:
        return (self.after or self.before).id

    @property
    def title_changed(self) -> bool:
        return (
            self.before is not None
            and self.after is not None
            and (self.before.title != self.after.title)
        )

    @cached_property
    def title_redline(self) -> SafeString:
        return diff.redline_html(self.before.title if self.before else "", self.title)


@dataclass
class DocumentChanges:
    since: datetime
    sections: list[SectionChanges]
    renumbered_only: int

    @property
    def changes(self) -> list[ChangeSince]:
        return [c for s in self.sections for c in s.changes]

    def count(self, kind: str) -> int:
        return sum(1 for c in self.changes if getattr(c, kind))


def changes_since(document: Document, since: datetime) -> DocumentChanges:
    """Every practice added, changed, moved or deleted since ``since``; see changes_between()."""
    return changes_between(document, since)


def changes_between(
    document: Document, since: datetime, until: datetime | None = None
) -> DocumentChanges:
    """Every practice added, changed, moved or deleted between ``since`` and ``until`` (now).

    A fixed number of queries: the snapshot at each end and the rows naming who
    made each change. See compare_snapshots() for what counts as a change.
    """
    then = snapshot_or_empty(document, since)
    now = document_now(document) if until is None else snapshot_or_empty(document, until)
    return compare_snapshots(then, now, since=since, until=until)


def snapshot_or_empty(document: Document, when: datetime) -> DocumentSnapshot:
    """document_as_of(), or an empty snapshot if the document did not exist yet."""
    try:
        return document_as_of(document, when)
    except Document.DoesNotExist:
        return DocumentSnapshot(
            document_id=document.pk,
            slug=document.slug,
            title=document.title,
            short_title=document.short_title,
            forum=document.forum,
            initiative="",
            introduction="",
            status="",
            at=when,
            sections=[],
        )


def compare_snapshots(
    then: DocumentSnapshot,
    now: DocumentSnapshot,
    *,
    since: datetime,
    until: datetime | None = None,
) -> DocumentChanges:
    """The practices added, changed, moved or deleted from ``then`` to ``now``, in order.

    Deleted practices appear where they stood. A practice counts as moved only
    when its section or its order among its neighbours changed, not when it was
    merely renumbered by others' moves. One query (who made each change).
    """
    then_sections = then.sections
    before = {p.id: p for s in then_sections for p in s.practices}
    after = {p.id: p for p in now.practices}
    moved = _moved_practices(then_sections, now.sections, before)

    changes: dict[int, ChangeSince] = {}
    for pid, new in after.items():
        old = before.get(pid)
        change = ChangeSince(before=old, after=new, moved=pid in moved)
        if change.added or change.text_changed or change.moved:
            changes[pid] = change
    for pid, old in before.items():
        if pid not in after:
            changes[pid] = ChangeSince(before=old, after=None)
    renumbered_only = sum(
        1 for pid, new in after.items() if pid not in changes and before[pid].number != new.number
    )
    _attach_last_rows(changes, since, until)
    return DocumentChanges(
        since=since,
        sections=_in_document_order(then_sections, now.sections, changes),
        renumbered_only=renumbered_only,
    )


def _attach_last_rows(
    changes: dict[int, ChangeSince], since: datetime, until: datetime | None = None
) -> None:
    """The history row behind each change (latest edit, or the deletion): one query."""
    if not changes:
        return
    latest_ids = [c.after.history_id for c in changes.values() if c.after is not None]
    deleted_ids = [pid for pid, c in changes.items() if c.deleted]
    rows = Practice.history.filter(
        Q(history_id__in=latest_ids)
        | Q(id__in=deleted_ids, history_type="-", history_date__gt=since)
        & Q(history_date__lte=until or timezone.now())
    ).values_list(
        "id",
        "history_id",
        "history_date",
        "history_change_reason",
        "history_user__first_name",
        "history_user__last_name",
        "history_user__username",
        "history_user__profile__delegation__name",
    )
    # Plain values, not model instances: this runs for every practice of a document.
    for pid, hid, when, reason, first, last, username, delegation in sorted(
        rows, key=lambda r: (r[2], r[1])
    ):
        change = changes.get(pid)
        if change is not None:
            name = f"{first} {last}".strip() or username or "Unknown"
            change.last_row = LastChange(hid, when, reason or "", Author(name, delegation or ""))


@dataclass(frozen=True)
class LastChange:
    """The history row behind a listed change, reduced to what the page shows."""

    history_id: int
    history_date: datetime
    history_change_reason: str
    author: Author


def _moved_practices(
    then_sections: list[SectionSnapshot],
    now_sections: list[SectionSnapshot],
    before: dict[int, PracticeSnapshot],
) -> set[int]:
    """Practices that changed section or were reordered among the neighbours they kept.

    Within a section, the practices that stayed put are the largest set whose
    relative order is unchanged (preferring those whose stored position did not
    change, since they were not written to); every other one moved.
    """
    then_rank = {p.id: i for s in then_sections for i, p in enumerate(s.practices)}
    moved: set[int] = set()
    for section in now_sections:
        stayed = [
            p for p in section.practices if p.id in before and before[p.id].section_id == section.id
        ]
        # Arrived from another section: moved, whatever its place.
        moved.update(
            p.id
            for p in section.practices
            if p.id in before and before[p.id].section_id != section.id
        )
        ranks = [then_rank[p.id] for p in stayed]
        weights = [2 if before[p.id].position == p.position else 1 for p in stayed]
        keep = _heaviest_increasing(ranks, weights)
        moved.update(p.id for i, p in enumerate(stayed) if i not in keep)
    return moved


def _heaviest_increasing(values: list[int], weights: list[int]) -> set[int]:
    """Indexes of the heaviest strictly increasing subsequence of ``values``.

    Quadratic in the length of one section's list of practices, which stays small.
    """
    n = len(values)
    best, back = list(weights), [-1] * n
    for i in range(n):
        for j in range(i):
            if values[j] < values[i] and best[j] + weights[i] > best[i]:
                best[i], back[i] = best[j] + weights[i], j
    keep: set[int] = set()
    i = max(range(n), key=lambda k: best[k], default=-1)
    while i != -1:
        keep.add(i)
        i = back[i]
    return keep


def _in_document_order(
    then_sections: list[SectionSnapshot],
    now_sections: list[SectionSnapshot],
    changes: dict[int, ChangeSince],
) -> list[SectionChanges]:
    """Sections now in order, with deleted sections and practices put back where they stood."""
    now_ids = {s.id for s in now_sections}
    then_by_id = {s.id: s for s in then_sections}
    # A deleted section goes after the last section before it that still exists.
    sections: list[SectionChanges] = []
    pending_deleted: dict[int | None, list[SectionSnapshot]] = {}
    anchor: int | None = None
    for s in then_sections:
        if s.id in now_ids:
            anchor = s.id
        else:
            pending_deleted.setdefault(anchor, []).append(s)
    for s in pending_deleted.get(None, []):
        sections.append(SectionChanges(before=s, after=None, changes=[]))
    for s in now_sections:
        sections.append(SectionChanges(before=then_by_id.get(s.id), after=s, changes=[]))
        for gone in pending_deleted.get(s.id, []):
            sections.append(SectionChanges(before=gone, after=None, changes=[]))

    for group in sections:
        current = group.after.practices if group.after else []
        here = {p.id for p in current}
        # Deleted practices of this section, after the last practice before them still here.
        after_anchor: dict[int | None, list[ChangeSince]] = {}
        if group.before is not None:
            last: int | None = None
            for p in group.before.practices:
                if p.id in here:
                    last = p.id
                elif changes.get(p.id) is not None and changes[p.id].deleted:
                    after_anchor.setdefault(last, []).append(changes[p.id])
        group.changes.extend(after_anchor.get(None, []))
        for p in current:
            if p.id in changes:
                group.changes.append(changes[p.id])
            group.changes.extend(after_anchor.get(p.id, []))
    return [g for g in sections if g.changes or g.title_changed or g.after is None]
