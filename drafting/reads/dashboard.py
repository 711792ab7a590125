"""A document's dashboard: status counts, blockers and recent changes, in fixed queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice

from django.urls import reverse

from drafting import brackets, history
from drafting.models import (
    Amendment,
    Comment,
    Document,
    Practice,
    ReviewMeeting,
    Section,
    Version,
)
from drafting.reads.agreement import STANDING_ORDER, standing_counts
from drafting.reads.amendments import _concerned_section_id
from drafting.reads.positions import Standing


@dataclass
class SectionRow:
    section: Section
    practices: int = 0
    open_amendments: int = 0
    unresolved_comments: int = 0
    open_brackets: int = 0  # square brackets open in its practices' texts
    # Agreement status -> how many of its practices stand there, in STANDING_ORDER.
    standings: dict[str, int] = field(default_factory=dict)

    @property
    def standing_counts(self) -> list[tuple[str, str, int]]:
        """(status, label, count) for the row's agreement column."""
        return [(s, Standing(s).label, self.standings.get(s, 0)) for s in STANDING_ORDER]


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
    # Agreement status -> practices of the whole document (STANDING_ORDER).
    standing_totals: dict[str, int] = field(default_factory=dict)

    @property
    def practice_total(self) -> int:
        return sum(row.practices for row in self.rows)

    @property
    def agreement_counts(self) -> list[tuple[str, str, int]]:
        """(status, label, count) over the document, for the totals."""
        return [(s, Standing(s).label, self.standing_totals.get(s, 0)) for s in STANDING_ORDER]

    @property
    def sections(self) -> list[Section]:
        return [row.section for row in self.rows]

    @property
    def open_amendments(self) -> int:
        return len(self.open_amendment_rows)

    @property
    def open_brackets(self) -> int:
        return sum(row.open_brackets for row in self.rows)


def document_dashboard(document: Document, *, changes: int = 25) -> Dashboard:
    """Everything the secretariat's dashboard shows, in a fixed number of queries (15).

    Practices are counted per section and by agreement status (reads.agreement:
    proposed, under negotiation, agreed ad referendum, agreed), with totals.
    """
    sections = list(
        Section.objects.filter(document=document)
        .select_related("approved_by")
        .order_by("position", "id")
    )
    rows = {s.pk: SectionRow(s) for s in sections}
    # The texts come along: open square brackets live in them (drafting/brackets.py), and
    # an agreement holds for one revision (reads.agreement), so no field is deferred.
    practices = list(
        Practice.objects.filter(section__document=document).only(
            "id", "section_id", "revision", "heading", "body"
        )
    )
    for practice in practices:
        row = rows[practice.section_id]
        row.practices += 1
        row.open_brackets += len(brackets.brackets(practice.heading)) + len(
            brackets.brackets(practice.body)
        )
    by_section, standing_totals = standing_counts(document, practices)
    for section_id, counts in by_section.items():
        rows[section_id].standings = counts

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
        standing_totals=standing_totals,
    )


_VERBS = {"+": "added", "~": "changed", "-": "deleted"}


def _short(value: str, limit: int = 70) -> str:
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def recent_changes(
    document: Document, sections: dict[int, Section], *, limit: int = 25
) -> list[Change]:
    """The latest changes to the document and everything in it, from the history tables.

    One query per history table (document, sections, practices, amendments, comments,
    versions, meetings), each its latest ``limit`` rows by history_id, interleaved by
    date (history.interleave: a table's own order is never changed by its clock).
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
    streams = []
    for rows, describe in tables:
        latest = history.newest_first(rows.select_related("history_user__profile__delegation"))
        stream = []
        for row in latest[:limit]:
            what, url = describe(row, sections)
            who = str(history.author_of(row))
            stream.append(Change(row.history_date, who, what, row.history_change_reason or "", url))
        streams.append(stream)
    return list(
        islice(history.interleave(*streams, when=lambda c: c.when, newest_first=True), limit)
    )


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
