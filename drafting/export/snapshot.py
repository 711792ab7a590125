"""The one document model every export renders.

``build()`` takes the history snapshot the pages use (``history.document_now`` for
the current text, ``history.document_as_of`` for any other moment),
so every format shows the same sections, the same practices and the same
"Good Practice N" labels (the document's label term and first number) as the
document page for the same moment, and adds
what an adoption-ready text needs: the cover (forum, initiative, co-leads,
working group, target or adoption meeting, all as they stood at that moment),
the DRAFT notice (sections not yet approved, open amendments) for a document
that is not final, and, for a redline, the change marks computed by
``export.redline``. A fixed number of queries whatever the size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.apps import apps
from django.utils import timezone

from drafting import diff
from drafting.export import markup
from drafting.history import DocumentSnapshot, document_as_of, document_now, latest_rows_as_of
from drafting.history.points import NOW, Point, PointError, check_order
from drafting.models import Amendment, Delegation, Document, ReviewMeeting, Section, WorkingGroup
from drafting.models.documents import practice_label
from drafting.reads.positions import reservation_notes_as_of

# The words before the clean text's digest at the end of an adoption package's PDF and Word file.
DIGEST_LEAD = "SHA-256 of the clean text (clean-text.md in the adoption package):"

CLEAN_STATUSES = {Document.Status.FINAL, Document.Status.SUBMITTED, Document.Status.ADOPTED}


@dataclass
class Cover:
    title: str
    short_title: str
    forum: str
    initiative: str = ""
    pretitle: str = ""  # the line above the title, e.g. the working group
    working_group: str = ""
    co_leads: list[str] = field(default_factory=list)
    implementing_partner: str = ""
    adoption: str = ""  # "Submitted for adoption at …" / "Adopted at … on …"
    status: str = ""


@dataclass
class DraftNotice:
    """Why an export is marked DRAFT: what is not approved yet and what is still open."""

    status: str
    unapproved: list[str]
    amendments: list[str]


@dataclass
class ExportPractice:
    key: str  # unique in the document: anchors and footnote labels derive from it
    number: int | None  # None for a practice deleted in a redline
    heading: str
    body: str
    change: str | None = None  # redlines: "added", "deleted" or "changed"
    moved: bool = False
    old_number: int | None = None
    old_heading: str = ""
    old_body: str = ""
    note: str = ""  # redlines: "Moved from “Detection”; formerly Good Practice 7."
    # Reservations on the record: (the forum's lead sentence, the delegation's statement),
    # printed as footnotes at the end of the practice's text.
    reservations: list[tuple[str, str]] = field(default_factory=list)
    term: str = "Good Practice"  # the document's label term (Document.label_term)

    @property
    def label(self) -> str:
        if self.number is None:
            return f"Deleted: formerly {practice_label(self.term, self.old_number)}"
        return practice_label(self.term, self.number)

    @property
    def heading_changed(self) -> bool:
        return self.change == "changed" and self.old_heading != self.heading

    @property
    def body_changed(self) -> bool:
        return self.change == "changed" and self.old_body != self.body

    def heading_inlines(self) -> tuple[markup.Inline, ...]:
        """The lead: plain text but for square brackets, printed "[should (US, MA)]", and
        footnote references (``NoteRef`` into ``body_rich()``'s notes, which they lead)."""
        if self.change == "added":
            return (markup.Span("ins", markup.lead(self.heading, self.body)),)
        if self.change == "deleted":
            return (markup.Span("del", markup.lead(self.old_heading, self.old_body)),)
        if self.heading_changed:
            return markup.redline_lead(self.old_heading, self.heading, self.old_body, self.body)
        return markup.lead(self.heading, self.body)

    @property
    def _compared(self) -> bool:
        """Whether the body is shown as a redline: it changed, or the lead's footnotes did
        (the lead's and the body's notes are one sequence, compared together)."""
        return self.body_changed or (
            self.heading_changed and diff.has_notes(self.old_heading, self.heading)
        )

    def body_rich(self) -> markup.Rich:
        if self.change == "deleted":
            return markup.whole("del", markup.parse(self.old_body, self.old_heading))
        if self.change == "added":
            rich = markup.whole("ins", markup.parse(self.body, self.heading))
        elif self._compared:
            rich = markup.redline(self.old_body, self.body, self.old_heading, self.heading)
        else:
            rich = markup.parse(self.body, self.heading)
        # Reservations on the record close the text in a redline as in the clean text.
        return markup.with_notes(rich, self.reservations)


@dataclass
class ExportSection:
    key: str
    title: str
    introduction: str
    practices: list[ExportPractice]
    status: str = ""
    change: str | None = None
    moved: bool = False
    old_title: str = ""
    old_introduction: str = ""
    note: str = ""

    @property
    def title_changed(self) -> bool:
        return self.change == "changed" and self.old_title != self.title

    @property
    def introduction_changed(self) -> bool:
        return self.change == "changed" and self.old_introduction != self.introduction

    def title_inlines(self) -> tuple[markup.Inline, ...]:
        if self.change == "added":
            return (markup.Span("ins", (markup.Text(self.title),)),)
        if self.change == "deleted":
            return (markup.Span("del", (markup.Text(self.old_title),)),)
        if self.title_changed:
            return markup.redline_inline(self.old_title, self.title)
        return (markup.Text(self.title),)

    def introduction_rich(self) -> markup.Rich:
        if self.change == "added":
            return markup.whole("ins", markup.parse(self.introduction))
        if self.change == "deleted":
            return markup.whole("del", markup.parse(self.old_introduction))
        if self.introduction_changed:
            return markup.redline(self.old_introduction, self.introduction)
        return markup.parse(self.introduction)


@dataclass
class RedlineInfo:
    start: Point
    end: Point
    start_at: datetime
    end_at: datetime
    added: int = 0
    deleted: int = 0
    moved: int = 0
    changed: int = 0

    @property
    def summary(self) -> str:
        counts = [
            (self.added, "added"),
            (self.deleted, "deleted"),
            (self.moved, "moved"),
            (self.changed, "changed"),
        ]
        parts = [f"{n} {'practice' if n == 1 else 'practices'} {what}" for n, what in counts if n]
        return ", ".join(parts) + "." if parts else "No practice changed."


@dataclass
class ExportDocument:
    slug: str
    point: Point
    at: datetime
    cover: Cover
    introduction: str
    sections: list[ExportSection]
    draft: DraftNotice | None = None
    redline: RedlineInfo | None = None
    old_introduction: str | None = None
    generated_at: datetime = field(default_factory=timezone.now)
    # Adoption packages: the SHA-256 of the canonical clean text (drafting.export.package),
    # printed as the last line of the PDF and the Word file. Empty: no such line.
    text_digest: str = ""

    @property
    def practices(self) -> list[ExportPractice]:
        return [p for s in self.sections for p in s.practices]

    def introduction_rich(self) -> markup.Rich:
        if self.old_introduction is not None and self.old_introduction != self.introduction:
            return markup.redline(self.old_introduction, self.introduction)
        return markup.parse(self.introduction)

    def filename(self, extension: str) -> str:
        if self.redline:
            stem = f"{self.slug}-redline-{self.redline.start.slug}-to-{self.redline.end.slug}"
        else:
            stem = f"{self.slug}-{self.point.slug}"
        return f"{stem}.{extension}"

    @property
    def what(self) -> str:
        """One line saying which text this is, for the cover and the page header."""
        if self.redline:
            return f"Changes from {self.redline.start.label} to {self.redline.end.label}"
        if self.point.kind == "now":
            if self.cover.status == Document.Status.ADOPTED.label:
                return "The adopted text"  # the cover's adoption line already gives its date
            local = timezone.localtime(self.at)
            return f"{self.point.label}, {local.day} {local:%B %Y}"
        return self.point.label


def build(
    document: Document, point: Point = NOW, *, redline_from: Point | None = None
) -> ExportDocument:
    """The export model of ``document`` at ``point``, or of the changes since ``redline_from``.

    "Now" is the latest row of everything (history.order), the text the document
    page shows, whatever the clocks of the processes that wrote it. Raises
    PointError for a point before the document existed or a redline that ends
    before it starts.
    """
    if redline_from is not None:
        start_at, end_at = check_order(redline_from, point)
    else:
        start_at, end_at = None, point.moment()
    try:
        # The current text is read from the live rows: its cost does not grow with the
        # document's age (issue 13). Any other moment is reconstructed from history.
        snapshot = (
            document_now(document, with_rows=False)
            if point.when is None
            else document_as_of(document, point.when)
        )
    except Document.DoesNotExist:
        raise PointError(f"{document} did not exist yet: {point.label}.") from None

    if redline_from is None:
        notes = reservation_notes_as_of([p.id for p in snapshot.practices], point.when)
        sections = [_plain_section(s, notes) for s in snapshot.sections]
        redline_info, old_intro = None, None
    else:
        from drafting.export import redline

        try:
            old = document_as_of(document, redline_from.when)
        except Document.DoesNotExist:
            old = None  # a redline from before the document existed: everything is new
        notes = reservation_notes_as_of([p.id for p in snapshot.practices], point.when)
        sections, counts = redline.compare(old, snapshot, notes)
        redline_info = RedlineInfo(redline_from, point, start_at, end_at, **counts)
        old_intro = old.introduction if old else ""
    for section in sections:
        for practice in section.practices:
            practice.term = snapshot.label_term

    return ExportDocument(
        slug=snapshot.slug,
        point=point,
        at=end_at,
        cover=_cover(snapshot),
        introduction=snapshot.introduction,
        old_introduction=old_intro,
        sections=sections,
        draft=None if snapshot.status in CLEAN_STATUSES else _draft_notice(snapshot),
        redline=redline_info,
    )


def _plain_section(section, notes: dict[int, list[tuple[str, str]]]) -> ExportSection:
    return ExportSection(
        key=f"s{section.id}",
        title=section.title,
        introduction=section.introduction,
        status=section.status,
        practices=[
            ExportPractice(
                key=f"p{p.id}",
                number=p.number,
                heading=p.heading,
                body=p.body,
                reservations=notes.get(p.id, []),
            )
            for p in section.practices
        ],
    )


def _cover(snapshot: DocumentSnapshot) -> Cover:
    through = apps.get_model("drafting", "HistoricalDocument_co_leads")
    lead_ids = list(
        through.objects.filter(history_id=snapshot.history_id).values_list(
            "delegation_id", flat=True
        )
    )
    names = dict(
        Delegation.objects.filter(
            pk__in=[*lead_ids, snapshot.implementing_partner_id or 0]
        ).values_list("pk", "name")
    )
    meetings = {
        m.pk: m
        for m in ReviewMeeting.objects.filter(
            pk__in=[snapshot.target_meeting_id or 0, snapshot.adopted_at_id or 0]
        )
    }
    group = (
        WorkingGroup.objects.filter(pk=snapshot.working_group_id).values_list("name", flat=True)
        if snapshot.working_group_id
        else []
    )
    status = Document.Status(snapshot.status)
    return Cover(
        title=snapshot.title,
        short_title=snapshot.short_title or snapshot.title,
        forum=snapshot.forum,
        initiative=snapshot.initiative,
        pretitle=snapshot.pretitle,
        working_group=next(iter(group), ""),
        co_leads=sorted(names[i] for i in lead_ids if i in names),
        implementing_partner=names.get(snapshot.implementing_partner_id, ""),
        adoption=_adoption_line(
            status,
            meetings.get(snapshot.target_meeting_id),
            meetings.get(snapshot.adopted_at_id),
            snapshot.adopted_on,
        ),
        status=status.label,
    )


def _adoption_line(status, target, adopted_at, adopted_on) -> str:
    if status == Document.Status.ADOPTED:
        # The date is said once: the adoption's, not the plenary's as well.
        where = (
            f" at the {describe_meeting(adopted_at, dated=not adopted_on)}" if adopted_at else ""
        )
        when = f" on {adopted_on.day} {adopted_on:%B %Y}" if adopted_on else ""
        return f"Adopted{where}{when}"
    if target is None:
        return ""
    if status == Document.Status.SUBMITTED:
        return f"Submitted for adoption at the {describe_meeting(target)}"
    return f"To be submitted for adoption at the {describe_meeting(target)}"


def describe_meeting(meeting: ReviewMeeting, *, dated: bool = True) -> str:
    """“Ninth Ministerial Plenary, New York, 20 September 2018” (without the date: ``dated``)."""
    day = f"{meeting.starts_on.day} {meeting.starts_on:%B %Y}" if dated else ""
    return ", ".join(part for part in [meeting.title, meeting.city, day] if part)


def _draft_notice(snapshot: DocumentSnapshot) -> DraftNotice:
    statuses = dict(Section.Status.choices)
    unapproved = [
        f"{s.title} ({statuses.get(s.status, s.status).lower()})"
        for s in snapshot.sections
        if s.status != Section.Status.APPROVED
    ]
    return DraftNotice(
        status=Document.Status(snapshot.status).label,
        unapproved=unapproved,
        amendments=_open_amendments(snapshot),
    )


def _open_amendments(snapshot: DocumentSnapshot) -> list[str]:
    """Amendments open at the snapshot's moment, as one line each, in document order."""
    sections = {s.id: s for s in snapshot.sections}
    if not sections:
        return []
    if snapshot.moment is None:
        # Now: the live amendments, not a ranking of their whole history.
        rows = list(
            Amendment.objects.filter(section_id__in=list(sections), status=Amendment.Status.OPEN)
        )
    else:
        rows = [
            row
            for row in latest_rows_as_of(
                Amendment.history.filter(section_id__in=list(sections)), snapshot.moment
            )
            if row.history_type != "-" and row.status == Amendment.Status.OPEN
        ]
    if not rows:
        return []
    delegations = dict(
        Delegation.objects.filter(pk__in={r.delegation_id for r in rows}).values_list("pk", "name")
    )
    numbers = {p.id: p for p in snapshot.practices}
    # Reading order, not the number: under keep numbers a number is text ("7 bis").
    rank = {p.id: i for i, p in enumerate(snapshot.practices)}
    lines = []
    for row in rows:
        practice = numbers.get(row.practice_id)
        who = delegations.get(row.delegation_id, "a delegation")
        if row.kind == Amendment.Kind.NEW:
            what = f"new practice proposed in “{sections[row.section_id].title}”"
        elif practice is None:
            what = f"{Amendment.Kind(row.kind).label.lower()} in “{sections[row.section_id].title}”"
        elif row.kind == Amendment.Kind.DELETE:
            what = f"deletion of {practice_label(snapshot.label_term, practice.number)}"
        else:
            what = f"change to {practice_label(snapshot.label_term, practice.number)}"
        order = (
            rank[practice.id] if practice else 10**9,
            sections[row.section_id].position,
            row.id,
        )
        lines.append((order, f"Amendment #{row.id} by {who}: {what}"))
    return [line for _, line in sorted(lines)]
