"""Timelines: the history of one practice or section, entry by entry, numbered as it was."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import islice

from django.core.paginator import Page, Paginator
from django.db.models import F, Max, Min, OuterRef, Q, QuerySet, Subquery, Window
from django.db.models.functions import Lag
from django.utils.functional import cached_property
from django.utils.safestring import SafeString

from drafting import diff, numbering
from drafting.history import order
from drafting.history.record import _WHO, Author, author_of
from drafting.models import Document, Practice, Section

# ---------------------------------------------------------------------------
# Timelines and "what changed since…", for the history pages.
#
# Each reads its history rows once and pairs neighbours in Python (never
# ``prev_record`` in a loop). The number a practice had at a past moment comes
# from one replay of the document's order, built from two queries that fetch
# only the history rows that changed some row's place.
# ---------------------------------------------------------------------------


def _order_changes(history: QuerySet) -> QuerySet:
    """Practice rows that created, deleted, re-placed or relabelled a practice (not text edits)."""
    over = {"partition_by": [F("id")], "order_by": [F(f) for f in order.OLDEST_FIRST]}
    # order_by(): the model's default ordering would sort every row for nothing.
    return (
        history.order_by()
        .annotate(
            prev_position=Window(Lag("position"), **over),
            prev_section=Window(Lag("section_id"), **over),
            # Under keep numbers a renumbering changes the label, not the place.
            prev_kept=Window(Lag("kept_number"), **over),
            prev_suffix=Window(Lag("kept_suffix"), **over),
        )
        .filter(
            Q(history_type__in=["+", "-"])
            | Q(prev_position__isnull=True)
            | ~Q(position=F("prev_position"))
            | ~Q(section_id=F("prev_section"))
            | Q(prev_kept__isnull=True, kept_number__isnull=False)
            | Q(prev_kept__isnull=False, kept_number__isnull=True)
            | ~Q(kept_number=F("prev_kept"))
            | ~Q(kept_suffix=F("prev_suffix"))
        )
    )


@dataclass(frozen=True)
class _Event:
    """One step of a replay: a row that placed, re-placed or removed a section or practice."""

    when: datetime
    history_id: int
    table: str  # "s" or "p"
    obj_id: int
    section_id: int | None
    position: int
    kind: str
    kept: tuple[int | None, int] = (None, 0)  # a practice's label under keep numbers


@dataclass(frozen=True)
class _Wanted:
    """A practice row whose number is asked for, put in the practice stream at its history_id."""

    when: datetime
    history_id: int
    obj_id: int
    deleted: bool


class OrderReplay:
    """A document's order of sections and practices at any moment, replayed from history.

    Two queries: every section row of the document, and the practice rows that
    created, deleted or moved a practice. ``numbers_at(rows)`` then gives the
    number each practice history row had, in one pass. Each table's rows are
    replayed in history_id order; the two tables are interleaved by date
    (drafting.history.order.interleave).
    """

    def __init__(self, document_id: int) -> None:
        section_rows = order.oldest_first(Section.history.filter(document_id=document_id))
        practice_rows = _order_changes(
            Practice.history.filter(
                section_id__in=Section.history.filter(document_id=document_id).values("id")
            )
        ).values_list(
            "id",
            "section_id",
            "position",
            "history_type",
            "history_date",
            "history_id",
            "kept_number",
            "kept_suffix",
        )
        self._sections: list[_Event] = []
        self.section_titles: dict[int, str] = {}
        # The document's first number rides along on the section rows (no extra query);
        # numbers at every past moment use today's first number and numbering rule, as
        # the pages do.
        doc = Document.objects.filter(pk=OuterRef("document_id"))
        self.first_number, self.rule = 1, numbering.CONTINUOUS
        for sid, position, title, kind, when, hid, first_number, rule in section_rows.values_list(
            "id",
            "position",
            "title",
            "history_type",
            "history_date",
            "history_id",
            Subquery(doc.values("first_number")),
            Subquery(doc.values("numbering")),
        ):
            self._sections.append(_Event(when, hid, "s", sid, None, position, kind))
            self.section_titles[sid] = title  # oldest first: the latest title wins
            self.first_number, self.rule = first_number or 1, rule or numbering.CONTINUOUS
        self._practices = sorted(
            (
                _Event(when, hid, "p", pid, sid, position, kind, (kept, suffix))
                for pid, sid, position, kind, when, hid, kept, suffix in practice_rows
            ),
            key=lambda e: e.history_id,
        )

    def numbers_at(self, rows) -> dict[int, int | None]:
        """history_id -> the number the practice had just after that row (just before, if deleted).

        None when the practice was then in no section of the document.
        """
        wanted = [
            _Wanted(row.history_date, row.history_id, row.id, row.history_type == "-")
            for row in rows
        ]
        # In the practice table's own order; a deletion is read just before its own row,
        # any other row just after it.
        practice_stream = sorted(
            [*self._practices, *wanted],
            key=lambda e: (e.history_id, 1 if isinstance(e, _Event) else 2 * (not e.deleted)),
        )
        result: dict[int, int | None] = {}
        state = _OrderState(self.first_number, self.rule)
        for item in order.interleave(self._sections, practice_stream, when=lambda e: e.when):
            if isinstance(item, _Wanted):
                result[item.history_id] = state.numbers().get(item.obj_id)
            else:
                state.apply(item)
        self._final = state
        return result

    def moved_out_of(self, section_id: int) -> list[int]:
        """history_ids of the rows that moved a practice from ``section_id`` to another section."""
        moved, where = [], {}
        for event in self._practices:  # in history_id order
            if where.get(event.obj_id) == section_id and event.section_id != section_id:
                moved.append(event.history_id)
            where[event.obj_id] = event.section_id
        return moved

    def current_numbers(self) -> dict[int, int]:
        """practice id -> number now, for practices that exist."""
        state = getattr(self, "_final", None)
        if state is None:
            state = _OrderState(self.first_number, self.rule)
            for event in order.interleave(self._sections, self._practices, when=lambda e: e.when):
                state.apply(event)
            self._final = state
        return state.numbers()


class _OrderState:
    """Sections and practices present at one moment of a replay, numbered on demand."""

    def __init__(self, first_number: int = 1, rule: str = numbering.CONTINUOUS) -> None:
        self.first_number = first_number
        self.rule = rule
        self.sections: dict[int, int] = {}
        self.practices: dict[int, tuple[int, int]] = {}
        self.kept: dict[int, tuple[int | None, int]] = {}
        self._numbers: dict[int, int | str] | None = None

    def apply(self, event: _Event) -> None:
        target = self.sections if event.table == "s" else self.practices
        value = event.position if event.table == "s" else (event.section_id, event.position)
        if event.kind == "-":
            if target.pop(event.obj_id, None) is not None:
                self._numbers = None
        elif target.get(event.obj_id) != value:
            target[event.obj_id] = value
            self._numbers = None
        if event.table == "p" and event.kind != "-" and self.kept.get(event.obj_id) != event.kept:
            self.kept[event.obj_id] = event.kept
            self._numbers = None

    def numbers(self) -> dict[int, int | str]:
        # Renumbering only after an event that changed the order keeps a replay
        # of thousands of text edits linear.
        if self._numbers is None:
            order = sorted(
                (self.sections[sid], sid, position, pid)
                for pid, (sid, position) in self.practices.items()
                if sid in self.sections
            )
            numbered = numbering.numbers_in_order(
                self.rule,
                self.first_number,
                [key[3] for key in order],
                kept=lambda pid: self.kept.get(pid, (None, 0)),
            )
            self._numbers = dict(numbered)
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
        return self._redlines[0]

    @cached_property
    def body_redline(self) -> SafeString:
        return self._redlines[1]

    @cached_property
    def _redlines(self) -> tuple[SafeString, SafeString]:
        before = self.previous
        return diff.practice_redline(
            before.heading if before else "",
            before.body if before else "",
            self.row.heading,
            self.row.body,
        )

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


# History pages list at most this many changes; older ones are on the next pages.
PER_PAGE = 50


@dataclass(frozen=True)
class _Key:
    """One change of a timeline, read from narrow rows: enough to page and to jump to a date."""

    when: datetime
    history_id: int
    table: str  # "s" (section row) or "p" (practice row)
    previous_id: int | None  # the object's row before this one, for the redline

    @property
    def anchor(self) -> str:
        return f"change-{self.table}{self.history_id}"


class _NewestFirst(Sequence):
    """A timeline's keys, newest first: one large stream read a slice at a time, merged with
    a few keys already in memory (a section's own rows, practices that moved out).

    ``rows`` yields (history_id, history_date, previous history_id) newest first;
    a slice [i:j] reads its first j rows only, so page 1 of 10,000 changes reads
    about 50. Streams of different tables are interleaved by date, each in its
    own id order (drafting.history.order.interleave).
    """

    def __init__(self, rows: QuerySet, table: str, few: list[list[_Key]]) -> None:
        self._rows, self._table, self._few = rows, table, few
        self._count = rows.count() + sum(len(stream) for stream in few)

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        start, stop, _ = index.indices(self._count)
        many = [_Key(when, hid, self._table, previous) for hid, when, previous in self._rows[:stop]]
        merged = order.interleave(many, *self._few, when=lambda key: key.when, newest_first=True)
        return list(islice(merged, start, stop))

    def position(self, at: datetime) -> int:
        """How many keys are dated at or after ``at`` (one query)."""
        return self._rows.filter(history_date__gte=at).count() + sum(
            1 for stream in self._few for key in stream if key.when >= at
        )


def _paginate(
    keys: _NewestFirst, page: int | str | None, per_page: int | None, at: datetime | None
) -> tuple[Page, _Key | None]:
    """The page of ``keys`` (newest first) to show, and the change a jump to ``at`` lands on.

    ``page`` is what the URL said: anything that is not a page number gives the
    first page, a number past the end the last (Django's ``get_page``), never an
    error. ``at`` (an aware datetime, UTC or not) picks the page holding the
    oldest change made at or after it: the first change of a typed day. A moment
    after every change gives the first page, one before them all the last.
    """
    per_page = per_page or PER_PAGE  # read at call time: tests set a small page
    paginator = Paginator(keys, per_page, allow_empty_first_page=True)
    if at is None:
        return paginator.get_page(page), None
    # Newest first, so the changes at or after ``at`` come first; dates from
    # disagreeing clocks only shift the landing place, they never break it.
    index = max(0, keys.position(at) - 1)
    landed = paginator.get_page(index // per_page + 1)
    return landed, landed.object_list[index % per_page] if len(keys) else None


def _with_previous(rows: QuerySet) -> QuerySet:
    """History rows newest first as (history_id, history_date, the object's previous history_id).

    The previous row is found through the (id, history_id) index, one short
    lookup per row read.
    """
    previous = Subquery(
        rows.model._default_manager.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id"))
        .order_by(*order.NEWEST_FIRST)
        .values("history_id")[:1]
    )
    return (
        rows.order_by(*order.NEWEST_FIRST)
        .annotate(previous_id=previous)
        .values_list("history_id", "history_date", "previous_id")
    )


class _Paged:
    """What a paginated history page shows around its entries: counts and page links."""

    page: Page | None
    entries: list

    @property
    def count(self) -> int:
        """How many changes were recorded, on every page."""
        return self.page.paginator.count if self.page else len(self.entries)

    @property
    def page_links(self) -> list[int | str]:
        """Page numbers to link to, "…" where a run of them is left out."""
        return page_links(self.page)


def page_links(page: Page | None) -> list[int | str]:
    """Page numbers to link to around ``page``, "…" where a run of them is left out.

    The one rule of every paginated list (history pages, the Deleted page, the
    revisions of the compare page); empty when everything fits on one page.
    """
    if page is None or page.paginator.num_pages < 2:
        return []
    return list(page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1))


@dataclass
class PracticeHistory(_Paged):
    practice_id: int
    document_id: int | None
    entries: list[PracticeEntry]  # oldest first: every change, or one page of them
    current_number: int | None
    section_titles: dict[int, str]
    # The latest change, on whatever page: the practice's current state.
    latest_entry: PracticeEntry | None = None
    page: Page | None = None  # None: every change is in ``entries``
    target: _Key | None = None  # the change a jump to a date landed on

    @property
    def latest(self):
        return (self.latest_entry or self.entries[-1]).row

    @property
    def exists(self) -> bool:
        return self.latest.history_type != "-"

    @property
    def last_number(self) -> int | None:
        """The number it has now or, once deleted, the one it had when deleted."""
        if self.exists:
            return self.current_number
        return (self.latest_entry or self.entries[-1]).number

    @cached_property
    def revisions(self) -> dict[int, Revision]:
        """Text revision number -> Revision, oldest first (of the rows in ``entries``)."""
        out: dict[int, Revision] = {}
        for entry in self.entries:
            rev = entry.row.revision
            if rev in out:
                out[rev].last_row = entry.row
            else:
                out[rev] = Revision(rev, entry.row, entry.row, entry.author)
        return out


@dataclass
class RevisionPage(_Paged):
    """One page of a practice's text revisions, newest first, for the compare page."""

    practice_id: int
    document_id: int | None
    latest: object  # the newest history row: the practice as it stands (or was deleted)
    newest: int  # the newest revision's number
    entries: list[Revision]  # this page's revisions, newest first
    page: Page | None = None
    chosen: dict[int, Revision] | None = None  # the revisions asked for, by number


def practice_revisions(
    practice_id: int,
    *,
    page: int | str | None = None,
    per_page: int | None = None,
    chosen: Sequence[int] | None = None,
) -> RevisionPage | None:
    """A page of one practice's text revisions (newest first), and the ones named in ``chosen``.

    A revision is the run of history rows that share a revision number: it was
    written by its first row's author, and reads as its last row. ``page`` as
    for the history pages (a bad number gives the first page, one past the end
    the last). ``chosen`` None means the newest revision and the one before it;
    numbers that name no revision are left out of ``chosen``. None if the
    practice never existed. Five queries whatever the number of revisions: the
    count, the page's spans, the chosen and newest spans, their rows, and the
    document.
    """
    history = Practice.history.filter(id=practice_id)
    spans = (
        history.values("revision")
        .annotate(first_id=Min("history_id"), last_id=Max("history_id"))
        .order_by("-revision")
    )
    paginator = Paginator(spans, per_page or PER_PAGE, allow_empty_first_page=True)
    current = paginator.get_page(page)
    if not paginator.count:
        return None
    listed = list(current.object_list)
    named = [n for n in chosen or () if isinstance(n, int) and 0 < n < 2**31]
    top = history.order_by("-revision").values("revision")[:1]
    # Revisions only count up, so the newest is the highest; with the one before it
    # (the default comparison) it comes in the same query as the chosen ones.
    wanted = Q(revision__in=named) | Q(revision__gte=Subquery(top) - (1 if chosen is None else 0))
    picked = list(spans.filter(wanted))
    newest = picked[0]
    ids = {newest["last_id"]} | {s[k] for s in listed + picked for k in ("first_id", "last_id")}
    rows = {row.history_id: row for row in history.filter(history_id__in=ids).select_related(*_WHO)}

    def revision(span: dict) -> Revision:
        first = rows[span["first_id"]]
        return Revision(span["revision"], first, rows[span["last_id"]], author_of(first))

    if chosen is None:
        picked = picked[:2]
    elif newest["revision"] not in named:
        picked = picked[1:]
    latest = rows[newest["last_id"]]
    return RevisionPage(
        practice_id=practice_id,
        document_id=_document_of_section(latest.section_id),
        latest=latest,
        newest=newest["revision"],
        entries=[revision(span) for span in listed],
        page=current,
        chosen={span["revision"]: revision(span) for span in picked},
    )


def _document_of_section(section_id: int) -> int | None:
    return (
        order.newest_first(Section.history.filter(id=section_id))
        .values_list("document_id", flat=True)
        .first()
    )


def practice_history(
    practice_id: int,
    *,
    numbered: bool = True,
    page: int | str | None = None,
    per_page: int | None = None,
    at: datetime | None = None,
) -> PracticeHistory | None:
    """Every change to one practice, oldest first, each paired with the one before.

    Works for a deleted practice too (its rows outlive it); None if it never
    existed. With ``page`` or ``at`` (see _paginate) only that page's rows are
    read in full, newest page first, so the page costs the same for 50 or 50,000
    changes; without them every row is read (the compare and restore pages need
    every revision). A fixed number of queries: the rows (ids and dates first
    when paging), their document, and (when ``numbered``) the two queries of the
    order replay.
    """
    history = Practice.history.filter(id=practice_id)
    paging = target = latest = None
    if page is None and at is None:
        rows = list(order.oldest_first(history.select_related(*_WHO)))
        if not rows:
            return None
        pairs = [(row, rows[i - 1] if i else None) for i, row in enumerate(rows)]
        latest = rows[-1]
    else:
        keys = _NewestFirst(_with_previous(history), "", [])
        if not len(keys):
            return None
        paging, target = _paginate(keys, page, per_page, at)
        latest_id = paging[0].history_id if paging.number == 1 else keys[0:1][0].history_id
        wanted = {hid for key in paging for hid in (key.history_id, key.previous_id) if hid}
        wanted.add(latest_id)
        full = {
            row.history_id: row
            for row in history.filter(history_id__in=wanted).select_related(*_WHO)
        }
        pairs = [
            (full[key.history_id], full.get(key.previous_id))
            for key in reversed(paging.object_list)
        ]
        latest = full[latest_id]
    document_id = _document_of_section(latest.section_id)
    numbers: dict[int, int | None] = {}
    current: dict[int, int] = {}
    titles: dict[int, str] = {}
    if numbered and document_id is not None:
        replay = OrderReplay(document_id)
        numbered_rows = {r.history_id: r for pair in pairs for r in pair if r is not None}
        numbered_rows[latest.history_id] = latest
        numbers = replay.numbers_at(sorted(numbered_rows.values(), key=lambda r: r.history_id))
        current = replay.current_numbers()
        titles = replay.section_titles

    def entry(row, prev) -> PracticeEntry:
        return PracticeEntry(
            row=row,
            previous=prev,
            author=author_of(row),
            number=numbers.get(row.history_id),
            previous_number=numbers.get(prev.history_id) if prev else None,
            section_title=titles.get(row.section_id, ""),
            previous_section_title=titles.get(prev.section_id, "") if prev else "",
        )

    entries = [entry(row, prev) for row, prev in pairs]
    return PracticeHistory(
        practice_id=practice_id,
        document_id=document_id,
        entries=entries,
        current_number=current.get(practice_id),
        section_titles=titles,
        latest_entry=next((e for e in entries if e.row.history_id == latest.history_id), None)
        or entry(latest, None),
        page=paging,
        target=target,
    )


@dataclass
class SectionHistory(_Paged):
    section_id: int
    document_id: int
    entries: list[PracticeEntry | SectionEntry]  # oldest first, this page's changes
    existing_practices: set[int]
    latest_row: object = None  # the section's own latest history row, on whatever page
    page: Page | None = None
    target: _Key | None = None  # the change a jump to a date landed on

    @property
    def latest(self):
        return self.latest_row

    @property
    def exists(self) -> bool:
        return self.latest.history_type != "-"

    @property
    def title(self) -> str:
        return self.latest.title


def section_history(
    section_id: int,
    *,
    page: int | str | None = 1,
    per_page: int | None = None,
    at: datetime | None = None,
) -> SectionHistory | None:
    """Changes to a section and to the practices that were in it: one page, oldest first within it.

    Practice entries are the rows where a practice was added to, changed in,
    moved into, out of or within, or deleted from this section. Pages run
    newest first (page 1 holds the latest changes); ``page`` and ``at`` choose
    one as _paginate says. The practice rows in the section are read a page at
    a time (newest first, through the (section_id, history_id) index), the few
    rows that moved a practice out and the section's own rows whole; only the
    page's rows and the rows before them are read in full, so page 1 costs the
    same for 50 or 10,000 changes. Eight queries (nine with a jump to a date).
    """
    # The section's own rows are few (title, introduction, status): read whole.
    section_rows = list(
        order.oldest_first(Section.history.filter(id=section_id).select_related(*_WHO))
    )
    if not section_rows:
        return None
    document_id = section_rows[-1].document_id
    own = [
        _Key(row.history_date, row.history_id, "s", section_rows[i - 1].history_id if i else None)
        for i, row in enumerate(section_rows)
    ][::-1]
    # Practice rows in this section: the large stream, read a page at a time.
    inside = _with_previous(Practice.history.filter(section_id=section_id))
    # Rows that took a practice out of it (moved elsewhere): few. The order replay
    # already holds every row that changed a practice's section.
    replay = OrderReplay(document_id)
    moved_ids = replay.moved_out_of(section_id)
    moved_out = (
        [
            _Key(when, hid, "p", previous)
            for hid, when, previous in _with_previous(
                Practice.history.filter(history_id__in=moved_ids)
            )
        ]
        if moved_ids
        else []
    )
    keys = _NewestFirst(inside, "p", [own, moved_out])
    paging, target = _paginate(keys, page, per_page, at)

    def wanted(table: str) -> set[int]:
        return {
            hid
            for key in paging
            if key.table == table
            for hid in (key.history_id, key.previous_id)
            if hid
        }

    sections = {row.history_id: row for row in section_rows}
    practice_ids = wanted("p")
    practices = (
        {
            row.history_id: row
            for row in Practice.history.filter(history_id__in=practice_ids).select_related(*_WHO)
        }
        if practice_ids
        else {}
    )
    numbers = replay.numbers_at(sorted(practices.values(), key=lambda row: row.history_id))
    existing = set(replay.current_numbers())
    titles = replay.section_titles
    entries: list[PracticeEntry | SectionEntry] = []
    for key in reversed(paging.object_list):
        if key.table == "s":
            row = sections[key.history_id]
            entries.append(
                SectionEntry(row=row, previous=sections.get(key.previous_id), author=author_of(row))
            )
            continue
        row, prev = practices[key.history_id], practices.get(key.previous_id)
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
    return SectionHistory(
        section_id,
        document_id,
        entries,
        existing,
        latest_row=section_rows[-1],
        page=paging,
        target=target,
    )
