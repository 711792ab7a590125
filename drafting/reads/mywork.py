"""My work: the home page's work list, one panel per kind of thing waiting for the reader.

``my_work(user)`` gives an expert or a secretariat officer the panels of their role
(observers and people without a role get none: their home page lists documents only).
Each panel is made by one *source*, a function ``(Scope) -> Panel | None`` listed in
``EXPERT_PANELS`` or ``SECRETARIAT_PANELS``; ``None`` leaves the panel out (an expert
without a delegation has no "our amendments"). Sources share one ``Scope``: the
documents the reader may work on and, built once on first use, their sections and
practices in document order with their numbers. So every source costs a fixed number
of queries, and the page's count does not grow with documents, amendments, comments
or practices (tests/test_my_work.py asserts it at two sizes).

Where comment periods and the silence procedure plug in: each adds its source to
these lists — an expert's "Comment periods open for <delegation>" (time left before
the deadline) at the head of ``EXPERT_PANELS``, beside "Silence procedures running"; the
secretariat's "Submissions not yet disposed" after amendments to decide in
``SECRETARIAT_PANELS`` — and adds its deadlines (period deadlines, silence
deadlines) to ``DEADLINE_SOURCES``, whose entries the "Deadlines" panel merges in
date order with the meetings coming up. Nothing else here needs to change.

"Since my last visit" (decisions on our proposals) is the reader's notification
read state, not a timestamp of its own: a decision stays on the list while the
reader's "amendment decided" notification about it is not yet read, and leaves when
they read it (opening their notifications marks them read). The header's count and
this list therefore agree, reloading the home page loses nothing, and viewing a
page writes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format

from drafting import numbering, permissions
from drafting.history import person
from drafting.models import (
    Amendment,
    Comment,
    CommentPeriod,
    Document,
    Notification,
    Position,
    Practice,
    ReviewMeeting,
    Section,
    SilenceBreak,
    SilenceProcedure,
)
from drafting.models.notifications import Kind
from drafting.reads.silence import time_left

Role = permissions.Role

# Items listed per panel; the count says how many there are and "more" links lead to
# the document's full lists, so a busy forum does not make a long home page.
SHOWN = 12


@dataclass
class WorkItem:
    """One line of a panel: what it is, where the work is done, and its state."""

    text: str
    url: str
    document: str = ""  # the document's short title, when the reader works on several
    detail: str = ""  # state, who, when (plain text)
    note: str = ""  # user text shown as plain text (a decision note), already shortened
    flag: str = ""  # a short warning ("text changed since proposed")


@dataclass
class Panel:
    """A heading, the items (at most SHOWN), how many in all, and what an empty one means."""

    key: str
    title: str
    empty: str  # what would appear here: the page makes sense without a manual
    items: list[WorkItem] = field(default_factory=list)
    count: int = 0
    more: list[tuple[str, str]] = field(default_factory=list)  # (link text, url)
    cut: int = 0  # items left off the list (the count may count something else: practices)

    def finish(self, count: int | None = None) -> Panel:
        """Keep the first SHOWN items; ``count`` what the heading counts (default: items)."""
        self.count = len(self.items) if count is None else count
        self.cut = max(len(self.items) - SHOWN, 0)
        del self.items[SHOWN:]
        return self


@dataclass
class MyWork:
    """The reader's panels, in the order of their role's list of sources."""

    panels: list[Panel]


@dataclass(frozen=True)
class Place:
    """Where a practice is in its document: its number and its rank in reading order."""

    pk: int
    document_id: int
    section_id: int
    rank: int
    number: int | str


class Scope:
    """What the sources share: the reader, the moment, the documents they work on.

    Documents: those the reader may read (permissions.readable_documents) and whose
    review is still open (not adopted: nothing on an adopted text waits for anyone).
    """

    def __init__(self, user, *, now: datetime | None = None) -> None:
        self.user = user
        self.role = permissions.role_of(user)
        self.delegation = permissions.delegation_of(user)
        self.now = now or timezone.now()
        self.today: date = timezone.localdate(self.now)

    @cached_property
    def documents(self) -> dict[int, Document]:
        """Open documents by id, in title order (the order panels list them in). One query."""
        readable = permissions.readable_documents(self.user, Document.objects.all())
        rows = readable.exclude(status=Document.Status.ADOPTED).order_by("title", "id")
        return {d.pk: d for d in rows}

    @property
    def several(self) -> bool:
        return len(self.documents) > 1

    @cached_property
    def sections(self) -> dict[int, Section]:
        """Every section of those documents, in document order. One query."""
        rows = Section.objects.filter(document_id__in=list(self.documents)).order_by(
            "position", "id"
        )
        ordered = sorted(rows, key=lambda s: self._document_rank[s.document_id])
        for section in ordered:
            section.document = self.documents[section.document_id]  # no query for labels
        return {s.pk: s for s in ordered}

    @cached_property
    def _document_rank(self) -> dict[int, int]:
        return {pk: i for i, pk in enumerate(self.documents)}

    @cached_property
    def _section_rank(self) -> dict[int, int]:
        return {pk: i for i, pk in enumerate(self.sections)}

    @cached_property
    def places(self) -> dict[int, Place]:
        """Practice id -> Place, numbered by the one numbering rule. One query."""
        section_rank = self._section_rank
        rows = Practice.objects.filter(section__document_id__in=list(self.documents)).values_list(
            "id", "section_id", "position", "kept_number", "kept_suffix"
        )
        rows = sorted(rows, key=lambda r: (section_rank[r[1]], r[2], r[0]))
        by_document: dict[int, list[tuple]] = defaultdict(list)
        for row in rows:
            by_document[self.sections[row[1]].document_id].append(row)
        places = {}
        for document_id, practices in by_document.items():
            document = self.documents[document_id]
            numbered = numbering.numbers_in_order(
                document.numbering, document.first_number, practices, kept=lambda r: (r[3], r[4])
            )
            for rank, (row, number) in enumerate(numbered):
                places[row[0]] = Place(row[0], document_id, row[1], rank, number)
        return places

    def label(self, practice_id: int | None) -> str:
        """ "Good Practice 7" for a practice of these documents; "" if unknown."""
        place = self.places.get(practice_id) if practice_id else None
        if place is None:
            return ""
        return self.documents[place.document_id].label(place.number)

    def order_key(self, section_id: int, practice_id: int | None, after: bool = False) -> tuple:
        """Reading order: document, section, practice (``after`` it: a new one after it).

        Something on a section itself comes before the section's practices.
        """
        place = self.places.get(practice_id) if practice_id else None
        if place is not None:
            section_id = place.section_id
        return (
            self._document_rank[self.sections[section_id].document_id],
            self._section_rank[section_id],
            place.rank if place is not None else -1,
            after,
        )

    def document_name(self, document_id: int) -> str:
        """The short title, shown only when the reader works on several documents."""
        return str(self.documents[document_id]) if self.several else ""

    @cached_property
    def open_amendments(self) -> list[Amendment]:
        """Every open amendment of these documents, in reading order (shared by panels)."""
        return _open_amendments(self)

    @cached_property
    def unresolved_threads(self) -> list[Comment]:
        """Unresolved first comments of threads, with their reply counts. One query."""
        rows = (
            Comment.objects.filter(
                parent__isnull=True,
                resolved=False,
                section__document_id__in=list(self.documents),
            )
            .select_related("author__profile__delegation")
            .annotate(reply_count=Count("replies"))
        )
        return sorted(rows, key=lambda c: (*self.order_key(c.section_id, c.practice_id), c.pk))


Source = Callable[[Scope], "Panel | None"]


def _amendment_what(scope: Scope, amendment: Amendment) -> str:
    label = scope.label(amendment.practice_id)
    if amendment.kind == Amendment.Kind.NEW:
        return f"new practice after {label}" if label else "new practice"
    if amendment.kind == Amendment.Kind.DELETE:
        return f"deletion of {label}" if label else "deletion of a practice"
    return f"change to {label}" if label else "change to a practice"


def _amendment_key(scope: Scope, amendment: Amendment) -> tuple:
    # A change follows its practice if it moved; a new practice sits after the one it follows.
    new = amendment.kind == Amendment.Kind.NEW
    return (*scope.order_key(amendment.section_id, amendment.practice_id, after=new), amendment.pk)


def _open_amendments(scope: Scope, *, delegation_id: int | None = None) -> list[Amendment]:
    """Open amendments of the scope's documents in reading order. One query."""
    rows = Amendment.objects.filter(
        status=Amendment.Status.OPEN, section__document_id__in=list(scope.documents)
    ).select_related("delegation", "practice")
    if delegation_id is not None:
        rows = rows.filter(delegation_id=delegation_id)
    return sorted(rows, key=lambda a: _amendment_key(scope, a))


def _stale(amendment: Amendment) -> bool:
    practice = amendment.practice
    return (
        amendment.kind != Amendment.Kind.NEW
        and practice is not None
        and amendment.base_revision is not None
        and practice.revision != amendment.base_revision
    )


def _per_document(scope: Scope, counts: dict[int, int], noun: str, url: Callable) -> list:
    """ "Open amendments — Topic 1 (14)": links to each document's full list, where it has some."""
    return [
        (f"{noun[:1].upper()}{noun[1:]} — {d} ({counts[pk]})", url(d))
        for pk, d in scope.documents.items()
        if counts.get(pk)
    ]


def _amendment_list_url(document: Document) -> str:
    return reverse("drafting:amendment-list", args=[document.slug]) + "?status=open"


# --- The expert's panels ---------------------------------------------------------------------


def our_open_amendments(scope: Scope) -> Panel | None:
    """My delegation's open amendments and their state, in document order."""
    if scope.delegation is None:
        return None
    name = scope.delegation.name
    panel = Panel(
        "our-amendments",
        f"Open amendments of {name}",
        f"When an expert of {name} proposes an amendment, it is listed here until the "
        "secretariat decides it or its proposer withdraws it.",
    )
    amendments = _open_amendments(scope, delegation_id=scope.delegation.pk)
    per_document: dict[int, int] = defaultdict(int)
    for amendment in amendments:
        section = scope.sections[amendment.section_id]
        per_document[section.document_id] += 1
        state = "Awaiting the secretariat's decision"
        if section.status == Section.Status.IN_REVIEW:
            state += f"; “{section.title}” is in review"
        panel.items.append(
            WorkItem(
                f"Amendment #{amendment.pk}: {_amendment_what(scope, amendment)}",
                reverse("drafting:amendment-detail", args=[amendment.pk]),
                scope.document_name(section.document_id),
                state,
                flag="the text has changed since it was proposed" if _stale(amendment) else "",
            )
        )
    panel.finish()
    if panel.cut:
        ours = urlencode({"delegation": scope.delegation.code})
        panel.more = _per_document(
            scope,
            per_document,
            f"open amendments of {name}",
            lambda d: f"{_amendment_list_url(d)}&{ours}",
        )
    return panel


def decisions_since_last_visit(scope: Scope) -> Panel | None:
    """Decisions on my delegation's amendments I have not yet seen (module docstring)."""
    if scope.delegation is None:
        return None
    name = scope.delegation.name
    panel = Panel(
        "decisions",
        f"Decisions on proposals of {name} since you last looked",
        f"When the secretariat accepts or rejects an amendment of {name}, the decision "
        "appears here until you have seen it in your notifications.",
    )
    abouts = Notification.objects.filter(
        recipient=scope.user,
        kind=Kind.AMENDMENT_DECIDED,
        read_at__isnull=True,
        about__startswith="amendment:",
    ).values_list("about", flat=True)
    ids = {int(a.split(":", 1)[1]) for a in abouts if a.split(":", 1)[1].isdigit()}
    if not ids:
        return panel
    decided = list(
        Amendment.objects.filter(
            pk__in=ids,
            delegation=scope.delegation,
            status__in=[Amendment.Status.ACCEPTED, Amendment.Status.REJECTED],
            section__document_id__in=list(scope.documents),
        )
        .select_related("decided_by__profile__delegation", "decided_at_meeting")
        .order_by("-decided_at", "-id")
    )
    for amendment in decided:
        section = scope.sections[amendment.section_id]
        detail = f"{amendment.get_status_display()} by {person(amendment.decided_by).name}"
        if amendment.decided_at:
            detail += f" on {_day(amendment.decided_at)}"
        if amendment.decided_at_meeting_id:
            detail += f" at {amendment.decided_at_meeting}"
        note = amendment.decision_note.strip()
        panel.items.append(
            WorkItem(
                f"Amendment #{amendment.pk} {amendment.get_status_display().lower()}: "
                f"{_amendment_what(scope, amendment)}",
                reverse("drafting:amendment-detail", args=[amendment.pk]),
                scope.document_name(section.document_id),
                detail,
                note=note if len(note) <= 200 else note[:200] + "…",
            )
        )
    panel.finish()
    if panel.cut:
        panel.more = [("All your notifications", reverse("drafting:notification-list"))]
    return panel


def positions_to_state(scope: Scope) -> Panel | None:
    """Practices of open sections on which my delegation has stated no position yet."""
    if scope.delegation is None:
        return None
    name = scope.delegation.name
    panel = Panel(
        "positions",
        f"Practices where {name} has stated no position",
        f"Practices of sections still open (drafting or in review) on which {name} has not "
        "said whether it supports them, enters a reservation or objects.",
    )
    stated = set(
        Position.objects.filter(
            delegation=scope.delegation,
            practice__section__document_id__in=list(scope.documents),
        )
        .exclude(stance=Position.Stance.NONE)
        .values_list("practice_id", flat=True)
    )
    by_section: dict[int, list[Place]] = defaultdict(list)
    # No query: the rule reads the document's status and the reader's loaded profile.
    open_to_me = {
        pk for pk, d in scope.documents.items() if permissions.can_state_position(scope.user, d)
    }
    for pk, place in scope.places.items():
        section = scope.sections[place.section_id]
        if (
            pk not in stated
            and place.document_id in open_to_me
            and section.status != Section.Status.APPROVED
        ):
            by_section[place.section_id].append(place)
    count = 0
    for section_id, section in scope.sections.items():
        missing = sorted(by_section.get(section_id, ()), key=lambda p: p.rank)
        if not missing:
            continue
        document = section.document
        numbers = [str(p.number) for p in missing]
        shown = ", ".join(numbers[:8]) + (", …" if len(numbers) > 8 else "")
        term = document.label_term if len(missing) == 1 else _plural(document.label_term)
        count += len(missing)
        panel.items.append(
            WorkItem(
                f"{section.title}: {term} {shown}",
                # The first of them, where the section page asks for the position.
                f"{section.get_absolute_url()}#practice-{missing[0].pk}",
                scope.document_name(document.pk),
                f"{len(missing)} practice{'s' if len(missing) != 1 else ''} without a position",
            )
        )
    return panel.finish(count)


def _day(moment: datetime) -> str:
    """ "3 December 2026", in the site's time zone."""
    return date_format(timezone.localtime(moment), "j F Y")


def _plural(term: str) -> str:
    return term if term.endswith("s") else f"{term}s"


def replies_awaiting(scope: Scope) -> Panel | None:
    """Unresolved comment threads I took part in whose latest word is someone else's."""
    panel = Panel(
        "replies",
        "Comments awaiting your reply",
        "When someone answers in a comment thread you took part in, the thread is listed "
        "here until you reply or it is resolved.",
    )
    mine = Comment.objects.filter(
        author=scope.user, section__document_id__in=list(scope.documents)
    ).values_list("parent_id", "id")
    roots = {parent or pk for parent, pk in mine}
    if not roots:
        return panel
    thread_rows = (
        Comment.objects.filter(Q(pk__in=roots) | Q(parent_id__in=roots))
        .select_related("author__profile__delegation")
        .order_by("created_at", "id")
    )
    threads: dict[int, list[Comment]] = defaultdict(list)
    for comment in thread_rows:
        threads[comment.parent_id or comment.pk].append(comment)
    waiting = []
    for root_id, comments in threads.items():
        root, last = comments[0], comments[-1]
        if root.pk != root_id or root.resolved or last.author_id == scope.user.pk:
            continue
        waiting.append((root, last))
    waiting.sort(key=lambda t: scope.order_key(t[0].section_id, t[0].practice_id))
    for root, last in waiting:
        section = scope.sections[root.section_id]
        where = scope.label(root.practice_id) or f"section “{section.title}”"
        panel.items.append(
            WorkItem(
                f"On {where}: {person(last.author).name} wrote last",
                f"{section.get_absolute_url()}#comment-{root.pk}",
                scope.document_name(section.document_id),
                date_format(timezone.localtime(last.created_at), "j F Y, H:i"),
            )
        )
    panel.finish()
    return panel


# --- The secretariat's panels ----------------------------------------------------------------


def amendments_to_decide(scope: Scope) -> Panel:
    """Every open amendment, in document order, linking to where it is decided."""
    panel = Panel(
        "to-decide",
        "Amendments to decide",
        "Amendments delegations propose wait here, in document order, until you accept or "
        "reject them.",
    )
    per_document: dict[int, int] = defaultdict(int)
    for amendment in scope.open_amendments:
        section = scope.sections[amendment.section_id]
        per_document[section.document_id] += 1
        panel.items.append(
            WorkItem(
                f"Amendment #{amendment.pk}: {_amendment_what(scope, amendment)}",
                reverse("drafting:amendment-detail", args=[amendment.pk]),
                scope.document_name(section.document_id),
                f"{amendment.delegation.name} · {_day(amendment.created_at)}",
                flag="the text has changed since it was proposed" if _stale(amendment) else "",
            )
        )
    panel.finish()
    panel.more = _per_document(scope, per_document, "open amendments", _amendment_list_url)
    return panel


def unresolved_comments(scope: Scope) -> Panel:
    """Unresolved comment threads, in document order."""
    panel = Panel(
        "comments",
        "Unresolved comments",
        "Comment threads nobody has marked resolved are listed here, in document order.",
    )
    per_document: dict[int, int] = defaultdict(int)
    for root in scope.unresolved_threads:
        section = scope.sections[root.section_id]
        per_document[section.document_id] += 1
        where = scope.label(root.practice_id) or f"section “{section.title}”"
        replies = root.reply_count
        panel.items.append(
            WorkItem(
                f"On {where}: {person(root.author).name}",
                f"{section.get_absolute_url()}#comment-{root.pk}",
                scope.document_name(section.document_id),
                _day(root.created_at)
                + (f" · {replies} repl{'ies' if replies != 1 else 'y'}" if replies else ""),
            )
        )
    panel.finish()
    panel.more = _per_document(
        scope,
        per_document,
        "unresolved comments",
        lambda d: reverse("drafting:comment-list", args=[d.slug]),
    )
    return panel


def sections_to_approve(scope: Scope) -> Panel:
    """Sections in review, with what is still open in each."""
    panel = Panel(
        "to-approve",
        "Sections ready to approve",
        "When a section is sent for review, it is listed here until you approve it or "
        "return it to drafting.",
    )
    amendments: dict[int, int] = defaultdict(int)
    for amendment in scope.open_amendments:
        place = scope.places.get(amendment.practice_id) if amendment.practice_id else None
        new = amendment.kind == Amendment.Kind.NEW
        amendments[amendment.section_id if new or place is None else place.section_id] += 1
    comments: dict[int, int] = defaultdict(int)
    for root in scope.unresolved_threads:
        comments[root.section_id] += 1
    for section in scope.sections.values():
        if section.status != Section.Status.IN_REVIEW:
            continue
        still = []
        if amendments[section.pk]:
            n = amendments[section.pk]
            still.append(f"{n} open amendment{'s' if n != 1 else ''}")
        if comments[section.pk]:
            n = comments[section.pk]
            still.append(f"{n} unresolved comment{'s' if n != 1 else ''}")
        panel.items.append(
            WorkItem(
                section.title,
                section.get_absolute_url(),
                scope.document_name(section.document_id),
                ", ".join(still) if still else "nothing left open: ready to approve",
            )
        )
    panel.finish()
    return panel


@dataclass(frozen=True)
class Deadline:
    """Something due on a day: a meeting now; a comment period's or silence's deadline later."""

    when: date
    text: str
    url: str
    document_id: int
    detail: str = ""


def meetings_coming_up(scope: Scope) -> list[Deadline]:
    """Planned meetings of the scope's documents that have not ended. One query."""
    meetings = ReviewMeeting.objects.filter(
        document_id__in=list(scope.documents),
        status=ReviewMeeting.Status.PLANNED,
        ends_on__gte=scope.today,
    ).order_by("starts_on", "id")
    return [
        Deadline(
            m.starts_on,
            m.title,
            reverse("drafting:meeting-detail", args=[m.pk]),
            m.document_id,
            f"{m.get_kind_display()}{', ' + m.city if m.city else ''}",
        )
        for m in meetings
    ]


def _open_silences(scope: Scope) -> list[SilenceProcedure]:
    """Open silence procedures of the scope's documents, soonest deadline first. One query."""
    return list(
        SilenceProcedure.objects.filter(
            document_id__in=list(scope.documents), closed=SilenceProcedure.Closed.OPEN
        ).order_by("deadline", "id")
    )


def silence_deadlines(scope: Scope) -> list[Deadline]:
    """Each open silence procedure's deadline (the secretariat's Deadlines panel)."""
    return [
        Deadline(
            timezone.localdate(p.deadline),
            f"Silence procedure on {scope.documents[p.document_id]}",
            reverse("drafting:silence-detail", args=[p.pk]),
            p.document_id,
            f"until {date_format(timezone.localtime(p.deadline), 'j F Y, H:i T')}",
        )
        for p in _open_silences(scope)
    ]


def silence_running(scope: Scope) -> Panel | None:
    """An expert's silence procedures open for their delegation, with the time left and
    whether the delegation has broken silence. Two queries."""
    if scope.delegation is None:
        return None
    panel = Panel(
        "silence",
        "Silence procedures running",
        "When a text is put under silence procedure for your delegation, it is listed here "
        "until its deadline: silence that nobody breaks is agreement.",
    )
    procedures = list(
        SilenceProcedure.objects.filter(
            document_id__in=list(scope.documents),
            closed=SilenceProcedure.Closed.OPEN,
            invited=scope.delegation,
            deadline__gt=scope.now,
        ).order_by("deadline", "id")
    )
    broken = set(
        SilenceBreak.objects.filter(
            procedure__in=procedures, delegation=scope.delegation
        ).values_list("procedure_id", flat=True)
    )
    for procedure in procedures:
        panel.items.append(
            WorkItem(
                f"Silence on {scope.documents[procedure.document_id]}",
                reverse("drafting:silence-detail", args=[procedure.pk]),
                scope.document_name(procedure.document_id),
                time_left(procedure.deadline, scope.now),
                flag=f"{scope.delegation.code} broke silence" if procedure.pk in broken else "",
            )
        )
    panel.finish()
    return panel


def _running_periods(scope: Scope) -> list[CommentPeriod]:
    """Comment periods of the scope's documents whose deadline is still ahead. One query."""
    return list(
        CommentPeriod.objects.filter(
            document_id__in=list(scope.documents), deadline__gt=scope.now
        ).order_by("deadline", "id")
    )


def period_deadlines(scope: Scope) -> list[Deadline]:
    """Each running comment period's deadline (the secretariat's Deadlines panel)."""
    return [
        Deadline(
            timezone.localdate(p.deadline),
            f"Comment period on {scope.documents[p.document_id]}",
            reverse("drafting:period-detail", args=[p.pk]),
            p.document_id,
            f"comments until {date_format(timezone.localtime(p.deadline), 'j F Y, H:i T')}",
        )
        for p in _running_periods(scope)
    ]


def periods_open(scope: Scope) -> Panel | None:
    """An expert's comment periods open for their delegation, soonest deadline first,
    with the time left and how many comments and proposals the delegation has sent.
    Three queries."""
    if scope.delegation is None:
        return None
    panel = Panel(
        "periods",
        f"Comment periods open for {scope.delegation.code}",
        "When the secretariat circulates a version for comments to your delegation, it is "
        "listed here with the time left before its deadline.",
    )
    periods = list(
        CommentPeriod.objects.filter(
            document_id__in=list(scope.documents),
            invited=scope.delegation,
            deadline__gt=scope.now,
        )
        .select_related("version")
        .order_by("deadline", "id")
    )
    ours = Q(author__profile__delegation=scope.delegation, on_behalf_of__isnull=True) | Q(
        on_behalf_of=scope.delegation
    )
    sent: dict[int, int] = defaultdict(int)
    for rows in (
        Comment.objects.filter(ours, period__in=periods).values_list("period_id"),
        Amendment.objects.filter(period__in=periods, delegation=scope.delegation).values_list(
            "period_id"
        ),
    ):
        for (period_id,) in rows:
            sent[period_id] += 1
    for period in periods:
        n = sent.get(period.pk, 0)
        panel.items.append(
            WorkItem(
                f"Comments on “{period.version}”",
                reverse("drafting:period-detail", args=[period.pk]),
                scope.document_name(period.document_id),
                time_left(period.deadline, scope.now)
                + f" · {scope.delegation.code} has sent {n if n else 'nothing yet'}",
            )
        )
    panel.finish()
    return panel


def submissions_to_dispose(scope: Scope) -> Panel:
    """The secretariat's comment periods with submissions not yet given a disposition,
    with how many each. Three queries."""
    panel = Panel(
        "dispositions",
        "Submissions without a disposition",
        "Comments and proposals sent in a comment period are counted here until the "
        "disposition table answers each.",
    )
    waiting: dict[int, int] = defaultdict(int)
    documents = list(scope.documents)
    for model in (Comment, Amendment):
        rows = (
            model.objects.filter(period__document_id__in=documents, disposition__isnull=True)
            .values("period_id")
            .annotate(n=Count("id"))
        )
        for row in rows:
            waiting[row["period_id"]] += row["n"]
    periods = CommentPeriod.objects.filter(pk__in=list(waiting)).select_related("version")
    for period in sorted(periods, key=lambda p: (p.deadline, p.pk)):
        panel.items.append(
            WorkItem(
                f"{waiting[period.pk]} on “{period.version}”",
                reverse("drafting:period-dispositions", args=[period.pk]),
                scope.document_name(period.document_id),
                f"deadline {date_format(timezone.localtime(period.deadline), 'j F Y')}",
            )
        )
    panel.finish(sum(waiting.values()))
    return panel


# Each returns the deadlines it knows of.
DEADLINE_SOURCES: list[Callable[[Scope], list[Deadline]]] = [
    meetings_coming_up,
    silence_deadlines,
    period_deadlines,
]


def deadlines(scope: Scope) -> Panel:
    """Everything due, soonest first, with the days left."""
    panel = Panel(
        "deadlines",
        "Deadlines",
        "Meetings coming up are listed here, soonest first.",
    )
    due = sorted((d for source in DEADLINE_SOURCES for d in source(scope)), key=lambda d: d.when)
    for deadline in due:
        days = (deadline.when - scope.today).days
        left = "today" if days <= 0 else "tomorrow" if days == 1 else f"in {days} days"
        panel.items.append(
            WorkItem(
                deadline.text,
                deadline.url,
                scope.document_name(deadline.document_id),
                f"{date_format(deadline.when, 'j F Y')} ({left})"
                + (f" · {deadline.detail}" if deadline.detail else ""),
            )
        )
    panel.finish()
    return panel


EXPERT_PANELS: list[Source] = [
    periods_open,
    silence_running,
    our_open_amendments,
    decisions_since_last_visit,
    replies_awaiting,
    positions_to_state,
]
SECRETARIAT_PANELS: list[Source] = [
    amendments_to_decide,
    submissions_to_dispose,
    sections_to_approve,
    unresolved_comments,
    deadlines,
]


def my_work(user, *, now: datetime | None = None) -> MyWork | None:
    """The reader's work list, or None for observers and people without a role.

    ``now`` fixes the moment (tests); days left are counted in the site's time zone.
    A fixed number of queries whatever the size of the forum (module docstring).
    """
    scope = Scope(user, now=now)
    if scope.role == Role.SECRETARIAT:
        sources = SECRETARIAT_PANELS
    elif scope.role == Role.EXPERT:
        sources = EXPERT_PANELS
    else:
        return None
    return MyWork([panel for source in sources if (panel := source(scope)) is not None])
