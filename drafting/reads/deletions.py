"""The "Deleted" page of a document, and the facts the rule for deleting a section needs."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q

from drafting import history
from drafting.models import AgendaItem, Amendment, Comment, Deletion, Document, Practice, Section


@dataclass
class DeletedItem:
    """One deletion as the Deleted page shows it.

    ``section`` is, for a practice, the section it would come back into (None if
    that section is deleted too); ``section_deletion`` is then the deletion that
    removed it, so the page can say "restore the section first" with a link.
    """

    deletion: Deletion
    section: Section | None = None
    section_deletion: Deletion | None = None
    # Set by the view for the person looking (templates get booleans).
    can_restore: bool = False
    why_not: str | None = None


_PEOPLE = (
    "deleted_by__profile__delegation",
    "restored_by__profile__delegation",
)


# The Deleted page lists this many deletions; older ones are on the next pages.
DELETED_PER_PAGE = 50


@dataclass
class DeletedPage:
    """One page of a document's deletions, newest first, and links to the others."""

    items: list[DeletedItem]
    page: Page

    @property
    def page_links(self) -> list[int | str]:
        return history.page_links(self.page)


def _newer_than(deletion: Deletion) -> Q:
    """The deletions listed before ``deletion`` (newest first: date, then id)."""
    return Q(deleted_at__gt=deletion.deleted_at) | Q(
        deleted_at=deletion.deleted_at, id__gt=deletion.pk
    )


def deleted_items(
    document: Document,
    *,
    page: int | str | None = None,
    showing: int | str | None = None,
    per_page: int | None = None,
) -> DeletedPage:
    """One page of the document's deletions, newest first, with what a restore needs to know.

    ``page`` is what the URL said (anything that is not a page number gives the
    first page, a number past the end the last; never an error). ``showing`` is
    a deletion's id (``Deletion.get_absolute_url``): the page that lists it,
    when it is one of this document's; otherwise ``page`` decides. Four queries
    whatever the number of deletions (two more with ``showing``): the count,
    the page's deletions (with who deleted and who restored them), the sections
    the practices among them stood in, and the open deletions of those sections
    that are gone.
    """
    per_page = per_page or DELETED_PER_PAGE  # read at call time: tests set a small page
    rows = Deletion.objects.filter(document=document)
    shown = None
    if showing is not None and str(showing).isdigit() and int(showing) < 2**31:
        shown = rows.filter(pk=int(showing)).only("pk", "deleted_at").first()
    if shown is not None:
        page = rows.filter(_newer_than(shown)).count() // per_page + 1
    paginator = Paginator(rows.select_related(*_PEOPLE).order_by("-deleted_at", "-id"), per_page)
    current = paginator.get_page(page)
    deletions = list(current.object_list)
    for deletion in deletions:
        deletion.document = document  # every row's document is this one: no query each
    homes = {d.section_id_then for d in deletions if d.kind == Deletion.Kind.PRACTICE}
    sections = {s.pk: s for s in Section.objects.filter(pk__in=homes).select_related("document")}
    # The newest open deletion of each gone section, for "restore the section first".
    open_sections: dict[int, Deletion] = {}
    gone = homes - set(sections)
    if gone:
        for d in rows.filter(
            kind=Deletion.Kind.SECTION, object_id__in=gone, restored_at__isnull=True
        ).order_by("-deleted_at", "-id"):
            d.document = document
            open_sections.setdefault(d.object_id, d)
    items = []
    for d in deletions:
        item = DeletedItem(d)
        if d.kind == Deletion.Kind.PRACTICE:
            item.section = sections.get(d.section_id_then)
            if item.section is None:
                item.section_deletion = open_sections.get(d.section_id_then)
        items.append(item)
    return DeletedPage(items, current)


def section_creator_id(section_id: int) -> int | None:
    """Who added a section: the user on its first history row (None if unknown). One query."""
    return (
        Section.history.filter(id=section_id, history_type="+")
        .order_by("history_id")
        .values_list("history_user_id", flat=True)
        .first()
    )


def section_deletion_facts(section: Section, *, practices: int | None = None) -> dict:
    """What permissions.why_cannot_delete_section needs: ``practices`` and ``created_by_id``.

    Pass ``practices`` when the caller has already counted them (the section page).
    At most two queries; the creator is only looked up for an empty section, the
    only case in which it matters.
    """
    if practices is None:
        practices = section.practices.count()
    creator = section_creator_id(section.pk) if practices == 0 else None
    return {"practices": practices, "created_by_id": creator}


@dataclass
class SectionContents:
    """What deleting a section takes with it, for its confirmation page."""

    practices: list[Practice]
    amendments: int
    open_amendments: int
    comments: int
    agenda_items: int


def section_contents(section: Section) -> SectionContents:
    """The section's practices, and how many amendments, comments and agenda items it has.

    Four queries whatever the size.
    """
    amendments = Amendment.objects.filter(section=section).aggregate(
        all=Count("id"), open=Count("id", filter=Q(status=Amendment.Status.OPEN))
    )
    return SectionContents(
        practices=list(Practice.objects.filter(section=section).order_by("position", "id")),
        amendments=amendments["all"],
        open_amendments=amendments["open"],
        comments=Comment.objects.filter(section=section).count(),
        agenda_items=AgendaItem.objects.filter(section=section).count(),
    )
