"""Who may do what: the one place the rules live.

Views, templates (through booleans the views pass) and tests all call these
predicates. Each rule is a ``why_cannot_<verb>()`` that returns None when allowed,
else the refusal in plain words; ``refuse_if(reason)`` is the one way a view or
an action turns it into a 403 that says why. The ``can_<verb>()`` twins are the
booleans templates get.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils import timezone

from drafting.models import Amendment, Comment, Deletion, Document, ExpertProfile, Section

Role = ExpertProfile.Role


def role_of(user) -> str | None:
    """The user's drafting role, or None for anonymous users and users without one."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    try:
        return user.profile.role
    except ExpertProfile.DoesNotExist:
        # A superuser created with createsuperuser administers the forum.
        return Role.SECRETARIAT if user.is_superuser else None


def is_secretariat(user) -> bool:
    return role_of(user) == Role.SECRETARIAT


def why_cannot_draft(user) -> str | None:
    """Experts and the secretariat write text; observers only read."""
    if role_of(user) in {Role.EXPERT, Role.SECRETARIAT}:
        return None
    return "Only experts and the secretariat edit text."


def can_draft(user) -> bool:
    return why_cannot_draft(user) is None


def _why_no_role(user) -> str:
    """The refusal for someone without a drafting role: log in, or ask for a role."""
    if getattr(user, "is_authenticated", False):
        return "Your account has no drafting role, so drafts that are not adopted are closed to it."
    return "Log in to read this draft."


def why_cannot_view_document(user, document: Document) -> str | None:
    """Every drafting role reads every draft; once adopted, the text is public."""
    if role_of(user) is not None or document.status == Document.Status.ADOPTED:
        return None
    return _why_no_role(user)


def can_view_document(user, document: Document) -> bool:
    return why_cannot_view_document(user, document) is None


def readable_documents(user, documents: QuerySet[Document]) -> QuerySet[Document]:
    """``documents`` narrowed to those ``user`` may read: why_cannot_view_document as a
    filter, for lists (a document nobody may open is not listed to them)."""
    if role_of(user) is not None:
        return documents
    return documents.filter(status=Document.Status.ADOPTED)


def why_cannot_export_history(user, document: Document) -> str | None:
    """The document's past: history pages, redlines, and exports of versions, meeting
    snapshots and dates. They show unpublished drafts and who wrote what, so every
    drafting role may read them and nobody else, even once the document is adopted
    (then only its current text is public: why_cannot_view_document)."""
    if role_of(user) is not None:
        return None
    if getattr(user, "is_authenticated", False):
        return (
            "Your account has no drafting role: the history, past versions and redlines of "
            "a document are for the people who draft it."
        )
    return "Log in to see the history of this document."


def can_export_history(user, document: Document) -> bool:
    return why_cannot_export_history(user, document) is None


# --- Silence procedure (issue 15): the one freezing rule ------------------------------------


def why_frozen_by_silence(document: Document) -> str | None:
    """The refusal for any change to the text while it is under silence procedure.

    Every rule below that lets text or structure change (editing, adding, moving,
    deleting, restoring, proposing and deciding amendments, importing, renumbering,
    the document's details) asks this one; no query (``Document.silence_until``).
    """
    until = getattr(document, "silence_until", None)
    if until is None:
        return None
    return (
        f"The text is under silence procedure until {until:%d %B %Y, %H:%M} UTC; it cannot "
        "change unless the secretariat ends the procedure."
    )


def why_cannot_edit_section(user, section: Section) -> str | None:
    """None if ``user`` may edit the section's text directly, else the reason in plain words."""
    role = role_of(user)
    if role is None:
        return "You need a drafting role to change the text."
    if role == Role.OBSERVER:
        return "Observers can read the draft but not change it."
    if section.document.status == Document.Status.ADOPTED:
        return "This document has been adopted; its text is frozen."
    if frozen := why_frozen_by_silence(section.document):
        return frozen
    if section.status == Section.Status.APPROVED:
        return f"“{section.title}” is approved; it must be reopened before its text can change."
    if section.status == Section.Status.IN_REVIEW and role != Role.SECRETARIAT:
        return f"“{section.title}” is in review; propose an amendment instead."
    return None


def can_edit_section(user, section: Section) -> bool:
    return why_cannot_edit_section(user, section) is None


def why_cannot_add_section(user, document: Document) -> str | None:
    """None if ``user`` may add, move or reorder sections of ``document``, else why not."""
    role = role_of(user)
    if role is None:
        return "You need a drafting role to change the document."
    if role == Role.OBSERVER:
        return "Observers can read the draft but not change it."
    if document.status == Document.Status.ADOPTED:
        return "This document has been adopted; its text is frozen."
    if frozen := why_frozen_by_silence(document):
        return frozen
    if document.status in {Document.Status.FINAL, Document.Status.SUBMITTED}:
        return (
            f"The document is {document.get_status_display().lower()}; its structure cannot "
            "change unless it returns to drafting."
        )
    return None


def can_add_section(user, document: Document) -> bool:
    return why_cannot_add_section(user, document) is None


# Agreed text keeps its numbers unless the secretariat decides (issue: "Structure").
# ``renumbered`` is what drafting.workflow works out a move would do: the approved
# sections whose practices would get other numbers.


def _renumbering_refusal(renumbered: Sequence[Section]) -> str:
    titles = " and ".join(f"“{s.title}”" for s in renumbered)
    sections = "section" if len(renumbered) == 1 else "sections"
    return (
        f"This would renumber the agreed practices of the approved {sections} {titles}; "
        "only the secretariat can change the numbers of agreed text."
    )


def why_cannot_move_section(
    user, section: Section, *, renumbered: Sequence[Section] = ()
) -> str | None:
    """None if ``user`` may move ``section`` to a place that renumbers ``renumbered``.

    The document's structure must be open (why_cannot_add_section); an approved
    section, and any move that renumbers practices of an approved section, are
    the secretariat's call.
    """
    reason = why_cannot_add_section(user, section.document)
    if reason is not None or is_secretariat(user):
        return reason
    if section.status == Section.Status.APPROVED:
        return (
            f"“{section.title}” is approved: its place and the numbers of its practices were "
            "agreed, so only the secretariat can move it."
        )
    if renumbered:
        return _renumbering_refusal(renumbered)
    return None


def why_cannot_move_practice(
    user, source: Section, target: Section, *, renumbered: Sequence[Section] = ()
) -> str | None:
    """None if ``user`` may move a practice of ``source`` into ``target`` (may be the same).

    Both sections must be open to the user's direct edits (why_cannot_edit_section:
    nothing moves into or out of an approved section until it is reopened); passing
    over approved sections, which renumbers them, is the secretariat's call.
    """
    reason = why_cannot_edit_section(user, source)
    if reason is None and target.pk != source.pk:
        reason = why_cannot_edit_section(user, target)
    if reason is None and renumbered and not is_secretariat(user):
        reason = _renumbering_refusal(renumbered)
    return reason


def refuse_if(reason: str | None) -> None:
    """Raise a 403 carrying ``reason`` when a why_cannot_*() rule gave one.

    The one way views and actions refuse. Views fetch what a page is about through
    drafting.reads.access, which applies the read rules below the same way; an
    anonymous visitor refused anything is sent to log in (drafting.views.errors).
    """
    if reason is not None:
        raise PermissionDenied(reason)


# --- Review workflow: section approval, amendments, comments, versions, lifecycle ---
# Each why_cannot_* returns None when allowed, else the refusal in plain words; the
# can_* twins are what templates get as booleans. State preconditions that are not
# about *who* (a section must be in review to be approved, the document must have
# every section approved to become final) live in drafting.workflow.


def why_cannot_view_review(user, document: Document) -> str | None:
    """The review — amendments, comments, meetings (their timeline and pages), named
    versions, the dashboard and the Deleted page — is for people with a role,
    observers included, also once the document is adopted."""
    if role_of(user) is not None:
        return None
    return "You need a drafting role to see the review of this document."


def can_view_review(user, document: Document) -> bool:
    return why_cannot_view_review(user, document) is None


def why_cannot_review(user, document: Document) -> str | None:
    """The refusal shared by every review action: no role, observer, or adopted document."""
    role = role_of(user)
    if role is None:
        return "You need a drafting role to take part in the review."
    if role == Role.OBSERVER:
        return "Observers can read the draft and its review but not take part in it."
    if document.status == Document.Status.ADOPTED:
        return "This document has been adopted; its text and its review are closed."
    return None


def why_cannot_request_review(user, section: Section) -> str | None:
    """Experts and the secretariat may send a drafting section for review."""
    return why_cannot_review(user, section.document)


def why_cannot_decide_section(user, section: Section) -> str | None:
    """Approving, returning and reopening a section are the secretariat's."""
    reason = why_cannot_review(user, section.document)
    if reason is None and not is_secretariat(user):
        reason = "Only the secretariat approves, returns or reopens sections."
    return reason


def _secretariat_only(user, document: Document, refusal: str) -> str | None:
    """A step on ``document`` that only the secretariat takes: whoever may not review it is
    refused as why_cannot_review says, anyone else but the secretariat with ``refusal``."""
    reason = why_cannot_review(user, document)
    if reason is None and not is_secretariat(user):
        reason = refusal
    return reason


def why_cannot_change_lifecycle(user, document: Document) -> str | None:
    """Moving the document towards adoption (review, final, submitted, adopted) and back."""
    return _secretariat_only(
        user, document, "Only the secretariat moves the document towards adoption."
    )


def why_cannot_name_version(user, document: Document) -> str | None:
    return _secretariat_only(user, document, "Only the secretariat names versions.")


def can_name_version(user, document: Document) -> bool:
    return why_cannot_name_version(user, document) is None


def why_cannot_propose_amendment(user, section: Section) -> str | None:
    reason = _why_closed_to_amendments(user, section)
    if reason is None and getattr(getattr(user, "profile", None), "delegation_id", None) is None:
        return "Amendments are proposed on behalf of a delegation, and your account has none."
    return reason


def _why_closed_to_amendments(user, section: Section) -> str | None:
    reason = why_cannot_review(user, section.document)
    if reason is not None:
        return reason
    if frozen := why_frozen_by_silence(section.document):
        return frozen
    if section.document.status in {Document.Status.FINAL, Document.Status.SUBMITTED}:
        return (
            f"The document is {section.document.get_status_display().lower()}; amendments are "
            "closed unless the secretariat returns it to review."
        )
    if section.status == Section.Status.APPROVED:
        return (
            f"“{section.title}” is approved; the secretariat must reopen it before changes "
            "can be proposed."
        )
    return None


def can_propose_amendment(user, section: Section) -> bool:
    return why_cannot_propose_amendment(user, section) is None


# The two ways to change a practice's text, as the document page offers them (issue 17).
EDIT, PROPOSE = "edit", "propose"


def text_route(user, section: Section) -> str | None:
    """How ``user`` changes the text of ``section``'s practices: EDIT, PROPOSE or None.

    EDIT when they may edit it directly (why_cannot_edit_section), else PROPOSE when
    they may propose an amendment (why_cannot_propose_amendment), else None (observers,
    the public, approved sections for experts, adopted documents). Where both are
    open, editing directly is the route offered: proposals are for what the
    secretariat must decide, which the section page explains. No query once the
    user's profile is loaded, so pages ask it once per section.
    """
    if can_edit_section(user, section):
        return EDIT
    if can_propose_amendment(user, section):
        return PROPOSE
    return None


def why_cannot_propose_on_behalf(user, section: Section) -> str | None:
    """None if ``user`` may record an amendment for another delegation (an imported draft).

    The secretariat only, when the section is open to amendments (the rule of
    why_cannot_propose_amendment, except that the officer needs no delegation).
    """
    if not is_secretariat(user):
        return "Only the secretariat records amendments on behalf of a delegation."
    return _why_closed_to_amendments(user, section)


def why_cannot_withdraw_amendment(user, amendment: Amendment) -> str | None:
    reason = why_cannot_review(user, amendment.section.document)
    if reason is None and amendment.proposed_by_id != user.pk:
        reason = "Only the person who proposed an amendment can withdraw it."
    return reason


def can_withdraw_amendment(user, amendment: Amendment) -> bool:
    return why_cannot_withdraw_amendment(user, amendment) is None


def why_cannot_decide_amendment(user, amendment: Amendment) -> str | None:
    """Accepting and rejecting amendments are the secretariat's."""
    reason = why_cannot_review(user, amendment.section.document)
    if reason is None and not is_secretariat(user):
        reason = "Only the secretariat accepts or rejects amendments."
    return reason or why_frozen_by_silence(amendment.section.document)


def can_decide_amendment(user, amendment: Amendment) -> bool:
    return why_cannot_decide_amendment(user, amendment) is None


def why_cannot_comment(user, section: Section) -> str | None:
    return why_cannot_review(user, section.document)


def can_comment(user, section: Section) -> bool:
    return why_cannot_comment(user, section) is None


def why_cannot_resolve_comment(user, comment: Comment) -> str | None:
    reason = why_cannot_review(user, comment.section.document)
    if reason is None and not is_secretariat(user) and comment.author_id != user.pk:
        reason = "Only the secretariat or the comment's author can mark it resolved."
    return reason


def can_resolve_comment(user, comment: Comment) -> bool:
    return why_cannot_resolve_comment(user, comment) is None


def why_cannot_manage_meetings(user, document: Document) -> str | None:
    """None if ``user`` may create and change the document's meetings, else why not."""
    if role_of(user) != Role.SECRETARIAT:
        return "Only the secretariat organises meetings."
    if document.status == Document.Status.ADOPTED:
        return "This document has been adopted; its record is frozen."
    return None


def can_manage_meetings(user, document: Document) -> bool:
    return why_cannot_manage_meetings(user, document) is None


# --- Deleting and restoring ------------------------------------------------------------------
# Nothing is deleted for good: a deletion goes to the document's "Deleted" page, from which
# one action restores it (drafting.actions.deletions).


def why_cannot_delete_practice(user, section: Section) -> str | None:
    """Deleting a practice is a change to its section's text: whoever may edit the section."""
    return why_cannot_edit_section(user, section)


def why_cannot_delete_section(
    user, section: Section, *, practices: int, created_by_id: int | None
) -> str | None:
    """None if ``user`` may delete ``section``, else why not.

    ``practices`` is how many practices it holds and ``created_by_id`` who added it
    (from its history; drafting.reads.section_deletion_facts gives both). A section
    with practices carries other delegations' text, amendments and comments, so only
    the secretariat removes it; an expert may delete an empty section they added
    themselves (a slip of their own), and proposes the deletion of practices through
    amendments otherwise.
    """
    reason = why_cannot_edit_section(user, section)
    if reason is not None or is_secretariat(user):
        return reason
    if practices:
        noun = "practice" if practices == 1 else "practices"
        return (
            f"“{section.title}” holds {practices} {noun}; only the secretariat deletes a "
            "section that holds practices. Propose the deletion of its practices instead."
        )
    if created_by_id is None or created_by_id != user.pk:
        return f"Only the secretariat, or the expert who added “{section.title}”, can delete it."
    return None


def why_cannot_restore(user, deletion: Deletion, section: Section | None = None) -> str | None:
    """None if ``user`` may restore ``deletion``, else why not.

    A section comes back with its practices, other delegations' amendments and
    comments, and changes the document's structure: the secretariat restores it. A
    practice comes back into ``section`` (the section it stood in), so whoever may
    edit that section may restore it: the people who could have deleted it, so an
    expert can undo their own slip without waiting for the secretariat. When that
    section is itself deleted (``section`` is None) only the role and the document's
    state are checked here; the action then says to restore the section first.
    """
    document = deletion.document
    if deletion.kind == Deletion.Kind.SECTION:
        reason = why_cannot_add_section(user, document)
        if reason is None and not is_secretariat(user):
            reason = "Only the secretariat restores deleted sections."
        return reason
    if section is None:
        return why_cannot_add_section(user, document)
    return why_cannot_edit_section(user, section)


def can_restore(user, deletion: Deletion, section: Section | None = None) -> bool:
    return why_cannot_restore(user, deletion, section) is None


def why_cannot_import_document(user) -> str | None:
    """Starting a document from a Word or Markdown draft is the secretariat's."""
    if is_secretariat(user):
        return None
    if role_of(user) is None:
        return _why_no_role(user)
    return "Only the secretariat imports drafts: it sets up documents for the forum."


def can_import_document(user) -> bool:
    return why_cannot_import_document(user) is None


def why_cannot_import_revision(user, document: Document) -> str | None:
    """Importing a revised copy into ``document``: the secretariat, while its text can change."""
    return why_cannot_import_document(user) or why_cannot_add_section(user, document)


def can_import_revision(user, document: Document) -> bool:
    return why_cannot_import_revision(user, document) is None


def why_cannot_create_document(user) -> str | None:
    """Setting up a new document (title, forum, label term, numbering) is the secretariat's."""
    if is_secretariat(user):
        return None
    if role_of(user) is None:
        return _why_no_role(user)
    return "Only the secretariat creates documents: it sets them up for the forum."


def can_create_document(user) -> bool:
    return why_cannot_create_document(user) is None


def why_cannot_edit_document_details(user, document: Document) -> str | None:
    """The title page, label term and numbering: the secretariat's, until submission."""
    if role_of(user) is None:
        return _why_no_role(user)
    if not is_secretariat(user):
        return "Only the secretariat edits a document's details (title, label term, numbering)."
    if document.status in {Document.Status.SUBMITTED, Document.Status.ADOPTED}:
        return (
            f"“{document}” is {document.get_status_display().lower()}: its details no longer "
            "change. Withdraw the submission first if they must."
        )
    return why_frozen_by_silence(document)


def can_edit_document_details(user, document: Document) -> bool:
    return why_cannot_edit_document_details(user, document) is None


def why_cannot_renumber(user, document: Document) -> str | None:
    """Renumber now (keep-numbers rule): the secretariat's, while the text may still change."""
    if role_of(user) is None:
        return _why_no_role(user)
    if not is_secretariat(user):
        return (
            "Only the secretariat renumbers the practices: numbers are kept stable so that "
            "delegations' references hold until it decides to renumber."
        )
    if document.status in {Document.Status.SUBMITTED, Document.Status.ADOPTED}:
        return (
            f"“{document}” is {document.get_status_display().lower()}: its text and numbers "
            "no longer change."
        )
    return why_frozen_by_silence(document)


def can_renumber(user, document: Document) -> bool:
    return why_cannot_renumber(user, document) is None


# --- Positions: what each delegation says about each practice --------------------------------
# A delegation speaks through its experts (and a secretariat officer who belongs to it): each
# sees and states only their own delegation's position. The secretariat sees every
# delegation's position (the matrix) and accepts reservations for the record. Observers read
# the text, its history and meetings (DESIGN.md), not the negotiation between delegations:
# positions are closed to them, as they are to experts of other delegations; a reservation
# accepted for the record is public, as a footnote of the text.


def delegation_of(user):
    """The delegation ``user`` speaks for, or None (no profile, or staff without one)."""
    profile = getattr(user, "profile", None) if getattr(user, "is_authenticated", False) else None
    return getattr(profile, "delegation", None) if profile is not None else None


def why_cannot_view_positions(user, document: Document) -> str | None:
    """The positions of delegations: the secretariat sees all, a delegation's experts their own."""
    role = role_of(user)
    if role == Role.SECRETARIAT:
        return None
    if role == Role.EXPERT:
        if delegation_of(user) is None:
            return "Positions are stated by delegations, and your account has none."
        return None
    if role == Role.OBSERVER:
        return (
            "Observers read the text, its history and meetings; delegations' positions are seen "
            "by the delegations themselves and the secretariat."
        )
    return "You need a drafting role to see delegations' positions."


def can_view_positions(user, document: Document) -> bool:
    return why_cannot_view_positions(user, document) is None


def sees_all_positions(user) -> bool:
    """The secretariat sees every delegation's position; everyone else at most their own."""
    return is_secretariat(user)


def why_cannot_state_position(user, document: Document, delegation=None) -> str | None:
    """None if ``user`` may state ``delegation``'s position on practices of ``document``.

    ``delegation`` None asks whether the user may state a position at all (for
    showing the form). Only the user's own delegation, never another's (a forged
    id is refused here); never once the document is adopted.
    """
    reason = why_cannot_review(user, document)
    if reason is not None:
        return reason
    own = delegation_of(user)
    if own is None:
        return "Positions are stated on behalf of a delegation, and your account has none."
    if delegation is not None and getattr(delegation, "pk", delegation) != own.pk:
        return (
            f"You speak for {own.name}; only its own experts state the position of another "
            "delegation."
        )
    return None


def can_state_position(user, document: Document) -> bool:
    return why_cannot_state_position(user, document) is None


def why_cannot_record_reservation(user, document: Document) -> str | None:
    """Accepting a reservation for the record (or taking it off) is the secretariat's."""
    return _secretariat_only(
        user, document, "Only the secretariat accepts reservations for the record."
    )


def can_record_reservation(user, document: Document) -> bool:
    return why_cannot_record_reservation(user, document) is None


def why_cannot_record_agreement(user, document: Document) -> str | None:
    """Recording that a practice is agreed ad referendum or agreed is the secretariat's."""
    return _secretariat_only(
        user, document, "Only the secretariat records that a practice is agreed."
    )


def can_record_agreement(user, document: Document) -> bool:
    return why_cannot_record_agreement(user, document) is None


# --- People: accounts, roles and delegations (issue 12) --------------------------------------
# The secretariat manages people in the application (no admin needed): it invites experts,
# changes roles and delegations, deactivates and reactivates accounts. Two rules keep the
# forum administrable: nobody deactivates or demotes themselves, and the last active
# member of the secretariat stays (drafting.actions.people counts them under lock).


def why_cannot_manage_people(user) -> str | None:
    """The People pages and every change to an account are the secretariat's."""
    if is_secretariat(user):
        return None
    if role_of(user) is None:
        if getattr(user, "is_authenticated", False):
            return "Only the secretariat manages people; your account has no drafting role."
        return "Log in to manage people."
    return "Only the secretariat manages people: invitations, roles and deactivation."


def can_manage_people(user) -> bool:
    return why_cannot_manage_people(user) is None


def why_cannot_change_account(user, person) -> str | None:
    """Changing ``person``'s role, delegation or active state: the secretariat's, and never
    one's own (a secretariat officer who demoted or deactivated themselves would be locked
    out of the very page that undoes it; another member of the secretariat does it)."""
    reason = why_cannot_manage_people(user)
    if reason is not None:
        return reason
    if person.pk == user.pk:
        return (
            "You cannot change your own role or deactivate your own account; "
            "ask another member of the secretariat."
        )
    return None


# --- Adoption packages (issue 14) ---
# Reading and downloading a package follows why_cannot_export_history (it holds the
# redline and the record of who did what): every drafting role, observers included.

PACKAGE_STATUSES = {Document.Status.SUBMITTED, Document.Status.ADOPTED}


def why_cannot_build_package(user, document: Document) -> str | None:
    """The secretariat builds the adoption package, once the document is submitted.

    From submission on, adopted documents included (a package may be rebuilt then);
    a draft, or a document taken back from submission, has no text to hand over.
    """
    if role_of(user) != Role.SECRETARIAT:
        if role_of(user) is None:
            return _why_no_role(user)
        return "Only the secretariat builds the adoption package."
    if document.status not in PACKAGE_STATUSES:
        return (
            "The adoption package is built once the document has been submitted for "
            f"adoption; this document is “{Document.Status(document.status).label.lower()}”."
        )
    return None


def can_build_package(user, document: Document) -> bool:
    return why_cannot_build_package(user, document) is None


# --- Silence procedure (issue 15) ---
# Reading a procedure follows why_cannot_view_review. Placing a version under silence,
# concluding and ending it are the secretariat's; breaking silence is for the experts of
# an invited delegation. The freeze itself is why_frozen_by_silence above.


def why_cannot_manage_silence(user, document: Document) -> str | None:
    """Placing a version under silence, concluding or ending the procedure."""
    return _secretariat_only(
        user,
        document,
        "Only the secretariat places a text under silence procedure and concludes it.",
    )


def can_manage_silence(user, document: Document) -> bool:
    return why_cannot_manage_silence(user, document) is None


def why_cannot_break_silence(user, document: Document, invited_ids: set[int]) -> str | None:
    """An expert of a delegation invited to the procedure (``invited_ids``) may break it."""
    reason = why_cannot_review(user, document)
    if reason is not None:
        return reason
    if role_of(user) != Role.EXPERT:
        return "Silence is broken by the experts of an invited delegation."
    own = delegation_of(user)
    if own is None or own.pk not in invited_ids:
        return "Your delegation is not invited to this silence procedure, so it cannot break it."
    return None


# --- Comment periods (issue 15): rounds of written consultation on a circulated version ----


def why_cannot_open_period(user, document: Document) -> str | None:
    """Opening a comment period and answering its submissions are the secretariat's."""
    return _secretariat_only(user, document, "Only the secretariat opens comment periods.")


def can_open_period(user, document: Document) -> bool:
    return why_cannot_open_period(user, document) is None


def why_cannot_dispose(user, document: Document) -> str | None:
    """The disposition table is filled in by the secretariat."""
    return _secretariat_only(user, document, "Only the secretariat records dispositions.")


def can_dispose(user, document: Document) -> bool:
    return why_cannot_dispose(user, document) is None


def why_cannot_submit_to_period(user, period, *, now=None) -> str | None:
    """Experts of an invited delegation send comments and proposals until the deadline
    (after it only if the secretariat allows late ones). ``period.invited`` is read."""
    reason = why_cannot_review(user, period.document)
    if reason is not None:
        return reason
    delegation_id = getattr(delegation_of(user), "pk", None)
    if delegation_id is None or role_of(user) != Role.EXPERT:
        return "Comments in a comment period are sent by experts of the invited delegations."
    if not any(d.pk == delegation_id for d in period.invited.all()):
        return "Your delegation is not invited to this comment period."
    if (now or timezone.now()) >= period.deadline and not period.allow_late:
        return "The deadline of this comment period has passed; late submissions are not accepted."
    return None


def can_submit_to_period(user, period, *, now=None) -> bool:
    return why_cannot_submit_to_period(user, period, now=now) is None
