"""Reads that pages share, each in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils.safestring import SafeString

from drafting import diff, permissions, review
from drafting.models import (
    Amendment,
    Comment,
    Document,
    Practice,
    ReviewMeeting,
    Section,
    Version,
    WorkingGroup,
)


@dataclass
class NumberedPractice:
    practice: Practice
    number: int


@dataclass
class SectionOutline:
    section: Section
    practices: list[NumberedPractice]


def document_outline(document: Document) -> list[SectionOutline]:
    """Sections in order with their practices numbered continuously through the document.

    Two queries whatever the size of the document.
    """
    sections = (
        Section.objects.filter(document=document)
        .select_related("approved_by")
        .prefetch_related(
            Prefetch("practices", queryset=Practice.objects.order_by("position", "id"))
        )
        .order_by("position", "id")
    )
    outline, number = [], 0
    for section in sections:
        numbered = []
        for practice in section.practices.all():
            number += 1
            numbered.append(NumberedPractice(practice, number))
        outline.append(SectionOutline(section, numbered))
    return outline


def practice_numbers(document: Document) -> dict[int, int]:
    """Practice id -> its current number in the document. One query."""
    ids = (
        Practice.objects.filter(section__document=document)
        .order_by("section__position", "section_id", "position", "id")
        .values_list("id", flat=True)
    )
    return {pk: n for n, pk in enumerate(ids, start=1)}


def working_groups_with_documents(user) -> list[WorkingGroup]:
    """Working groups (with co-chairs) and the documents in each; a fixed number of queries."""
    return list(
        WorkingGroup.objects.prefetch_related(
            "co_chairs",
            Prefetch(
                "documents",
                queryset=Document.objects.prefetch_related("co_leads").order_by("title"),
            ),
        ).order_by("name")
    )


def documents_without_group() -> list[Document]:
    return list(Document.objects.filter(working_group__isnull=True).prefetch_related("co_leads"))


@dataclass
class SectionPage:
    section: Section
    practices: list[NumberedPractice]
    sections: list[Section]

    @property
    def index(self) -> int:
        return next(i for i, s in enumerate(self.sections) if s.pk == self.section.pk)

    @property
    def previous_section(self) -> Section | None:
        return self.sections[self.index - 1] if self.index > 0 else None

    @property
    def next_section(self) -> Section | None:
        i = self.index + 1
        return self.sections[i] if i < len(self.sections) else None


def section_page(section: Section) -> SectionPage:
    """A section's practices with their document-wide numbers; three queries whatever the size."""
    sections = list(
        Section.objects.filter(document=section.document_id)
        .select_related("approved_by")
        .order_by("position", "id")
    )
    here = next(s for s in sections if s.pk == section.pk)
    earlier = [s.pk for s in sections[: sections.index(here)]]
    first_number = Practice.objects.filter(section_id__in=earlier).count() + 1
    practices = list(Practice.objects.filter(section=section).order_by("position", "id"))
    numbered = [NumberedPractice(p, first_number + i) for i, p in enumerate(practices)]
    return SectionPage(section=here, practices=numbered, sections=sections)


# --- Review: amendments, comments and the secretariat's dashboard --------------------------


@dataclass
class AmendmentItem:
    """An amendment with its redline against the current text and what the viewer may do."""

    amendment: Amendment
    heading_redline: SafeString
    body_redline: SafeString
    stale: bool  # the practice changed since the proposal's base revision
    can_withdraw: bool = False
    can_decide: bool = False


@dataclass
class CommentThread:
    comment: Comment
    replies: list[Comment] = field(default_factory=list)
    can_resolve: bool = False


@dataclass
class ReviewItems:
    """What the review attaches to one practice (or, under key None, to the section)."""

    amendments: list[AmendmentItem] = field(default_factory=list)
    threads: list[CommentThread] = field(default_factory=list)

    @property
    def unresolved(self) -> int:
        return sum(1 for t in self.threads if not t.comment.resolved)


def amendment_item(amendment: Amendment, user=None) -> AmendmentItem:
    """Redlines against the text as it reads now (``amendment.practice`` must be loaded)."""
    practice, kind = amendment.practice, amendment.kind
    if kind == Amendment.Kind.NEW or practice is None:
        heading = diff.redline_html("", amendment.proposed_heading)
        body = diff.redline_html("", amendment.proposed_body)
    elif kind == Amendment.Kind.DELETE:
        heading = diff.redline_html(practice.heading, "")
        body = diff.redline_html(practice.body, "")
    else:
        heading = diff.redline_html(practice.heading, amendment.proposed_heading)
        body = diff.redline_html(practice.body, amendment.proposed_body)
    is_open = amendment.status == Amendment.Status.OPEN
    return AmendmentItem(
        amendment=amendment,
        heading_redline=heading,
        body_redline=body,
        stale=(
            kind != Amendment.Kind.NEW
            and practice is not None
            and practice.revision != amendment.base_revision
        ),
        can_withdraw=is_open and permissions.can_withdraw_amendment(user, amendment),
        can_decide=is_open and permissions.can_accept_amendment(user, amendment),
    )


def review_items_for_section(section: Section, user=None) -> dict[int | None, ReviewItems]:
    """Open amendments and comment threads by practice id (None: the section itself).

    Two queries whatever the number of practices, amendments or comments. Items
    follow a practice that moved here from another section. A new-practice
    amendment sits under the practice it is proposed to follow.
    """
    items: dict[int | None, ReviewItems] = {}
    amendments = (
        Amendment.objects.filter(review.concerning_section(section), status=Amendment.Status.OPEN)
        .select_related("practice", "delegation", "proposed_by", "section__document")
        .order_by("created_at", "id")
    )
    for amendment in amendments:
        key = amendment.practice_id
        if amendment.practice is not None and amendment.practice.section_id != section.pk:
            key = None  # a new practice proposed after one that has since moved away
        items.setdefault(key, ReviewItems()).amendments.append(amendment_item(amendment, user))

    comments = (
        Comment.objects.filter(
            Q(section=section, practice__isnull=True) | Q(practice__section=section)
        )
        .select_related("author__profile__delegation", "resolved_by", "section__document")
        .order_by("created_at", "id")
    )
    threads: dict[int, CommentThread] = {}
    for comment in comments:
        if comment.parent_id is None:
            threads[comment.pk] = thread = CommentThread(
                comment, can_resolve=permissions.can_resolve_comment(user, comment)
            )
            items.setdefault(comment.practice_id, ReviewItems()).threads.append(thread)
        elif comment.parent_id in threads:
            threads[comment.parent_id].replies.append(comment)
    return items


def _concerned_section_id(kind: str, section_id: int, practice_section_id: int | None) -> int:
    if kind == Amendment.Kind.NEW or practice_section_id is None:
        return section_id
    return practice_section_id


def open_amendment_counts(document: Document) -> dict[int, int]:
    """Section id -> number of open amendments concerning it. One query."""
    counts: dict[int, int] = {}
    rows = Amendment.objects.filter(
        section__document=document, status=Amendment.Status.OPEN
    ).values_list("kind", "section_id", "practice__section_id")
    for kind, section_id, practice_section_id in rows:
        key = _concerned_section_id(kind, section_id, practice_section_id)
        counts[key] = counts.get(key, 0) + 1
    return counts


def amendments_for_document(document: Document, user=None, *, status: str = "") -> list:
    """The document's amendments (optionally of one status), newest first, with redlines.

    Two queries: the amendments and the practice numbers.
    """
    rows = (
        Amendment.objects.filter(section__document=document)
        .select_related(
            "practice__section", "section__document", "delegation", "proposed_by", "decided_by"
        )
        .order_by("-created_at", "-id")
    )
    if status:
        rows = rows.filter(status=status)
    return [amendment_item(a, user) for a in rows]


@dataclass
class SectionRow:
    section: Section
    practices: int = 0
    open_amendments: int = 0
    unresolved_comments: int = 0


@dataclass
class Change:
    """One line of "recent changes": who did what, when, and why."""

    when: datetime
    who: str
    what: str
    reason: str
    url: str = ""


@dataclass
class Dashboard:
    document: Document
    rows: list[SectionRow]
    by_status: list[tuple[str, str, int]]  # (status, label, count)
    open_amendment_rows: list[tuple[int, str]]
    unresolved_comments: int
    ministerial: list[ReviewMeeting]
    versions: list[Version]
    changes: list[Change]

    @property
    def sections(self) -> list[Section]:
        return [row.section for row in self.rows]

    @property
    def open_amendments(self) -> int:
        return len(self.open_amendment_rows)


def document_dashboard(document: Document, *, changes: int = 25) -> Dashboard:
    """Everything the secretariat's dashboard shows, in a fixed number of queries (13)."""
    sections = list(
        Section.objects.filter(document=document)
        .select_related("approved_by")
        .order_by("position", "id")
    )
    rows = {s.pk: SectionRow(s) for s in sections}
    for section_id in Practice.objects.filter(section__document=document).values_list(
        "section_id", flat=True
    ):
        rows[section_id].practices += 1

    open_amendment_rows = []
    open_amendments = Amendment.objects.filter(
        section__document=document, status=Amendment.Status.OPEN
    ).values_list("pk", "kind", "section_id", "practice__section_id")
    for pk, kind, section_id, practice_section_id in open_amendments.order_by("pk"):
        row = rows.get(_concerned_section_id(kind, section_id, practice_section_id))
        if row is not None:
            row.open_amendments += 1
            open_amendment_rows.append((pk, row.section.title))

    unresolved = 0
    for section_id, practice_section_id in Comment.objects.filter(
        section__document=document, parent__isnull=True, resolved=False
    ).values_list("section_id", "practice__section_id"):
        row = rows.get(practice_section_id or section_id)
        if row is not None:
            row.unresolved_comments += 1
            unresolved += 1

    by_status = [
        (value, label, sum(1 for s in sections if s.status == value))
        for value, label in Section.Status.choices
    ]
    return Dashboard(
        document=document,
        rows=list(rows.values()),
        by_status=by_status,
        open_amendment_rows=open_amendment_rows,
        unresolved_comments=unresolved,
        ministerial=list(
            ReviewMeeting.objects.filter(document=document, kind=ReviewMeeting.Kind.MINISTERIAL)
            .exclude(status=ReviewMeeting.Status.CANCELLED)
            .order_by("starts_on", "id")
        ),
        versions=list(
            Version.objects.filter(document=document)
            .select_related("created_by", "meeting")
            .order_by("-taken_at")
        ),
        changes=recent_changes(document, {s.pk: s for s in sections}, limit=changes),
    )


def _who(row) -> str:
    user = row.history_user
    if user is None:
        return "the system"
    name = user.get_full_name() or user.username
    profile = getattr(user, "profile", None)
    if profile is not None and profile.delegation is not None:
        return f"{name} ({profile.delegation.code})"
    return name


_VERBS = {"+": "added", "~": "changed", "-": "deleted"}


def _short(value: str, limit: int = 70) -> str:
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def recent_changes(
    document: Document, sections: dict[int, Section], *, limit: int = 25
) -> list[Change]:
    """The latest changes to the document and everything in it, from the history tables.

    One query per history table (document, sections, practices, amendments, comments,
    versions, meetings), each limited, merged by date in Python.
    """
    ever_sections = Section.history.filter(document_id=document.pk).values("id")
    tables = [
        (Document.history.filter(id=document.pk), _document_change),
        (Section.history.filter(document_id=document.pk), _section_change),
        (Practice.history.filter(section_id__in=ever_sections), _practice_change),
        (Amendment.history.filter(section_id__in=ever_sections), _amendment_change),
        (Comment.history.filter(section_id__in=ever_sections), _comment_change),
        (Version.history.filter(document_id=document.pk), _version_change),
        (ReviewMeeting.history.filter(document_id=document.pk), _meeting_change),
    ]
    changes = []
    for history, describe in tables:
        latest = history.select_related("history_user__profile__delegation").order_by(
            "-history_date", "-history_id"
        )[:limit]
        for row in latest:
            what, url = describe(row, sections)
            changes.append(
                Change(row.history_date, _who(row), what, row.history_change_reason or "", url)
            )
    changes.sort(key=lambda c: c.when, reverse=True)
    return changes[:limit]


def _section_url(section_id: int, sections: dict[int, Section], anchor: str = "") -> str:
    return (
        f"{reverse('drafting:section-detail', args=[section_id])}{anchor}"
        if section_id in sections
        else ""
    )


def _document_change(row, sections) -> tuple[str, str]:
    return f"Document {_VERBS[row.history_type]} (status: {row.get_status_display().lower()})", ""


def _section_change(row, sections) -> tuple[str, str]:
    what = f"Section “{_short(row.title)}” {_VERBS[row.history_type]}"
    return f"{what} (status: {row.get_status_display().lower()})", _section_url(row.id, sections)


def _practice_change(row, sections) -> tuple[str, str]:
    url = (
        _section_url(row.section_id, sections, f"#practice-{row.id}")
        if row.history_type != "-"
        else ""
    )
    return f"Practice “{_short(row.heading)}” {_VERBS[row.history_type]}", url


def _amendment_change(row, sections) -> tuple[str, str]:
    url = reverse("drafting:amendment-detail", args=[row.id]) if row.history_type != "-" else ""
    kind = row.get_kind_display().lower()
    return f"Amendment #{row.id} ({kind}): {row.get_status_display().lower()}", url


def _comment_change(row, sections) -> tuple[str, str]:
    where = sections[row.section_id].title if row.section_id in sections else "a deleted section"
    state = " (resolved)" if row.resolved else ""
    verb = "Reply" if row.parent_id else "Comment"
    return f"{verb} on “{_short(where)}” {_VERBS[row.history_type]}{state}", _section_url(
        row.section_id, sections
    )


def _version_change(row, sections) -> tuple[str, str]:
    return f"Version “{_short(row.name)}” {_VERBS[row.history_type]}", ""


def _meeting_change(row, sections) -> tuple[str, str]:
    return f"Meeting “{_short(row.title)}” {_VERBS[row.history_type]}", ""
