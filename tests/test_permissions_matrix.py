"""Every state-changing URL × every role × every relevant state: the exact outcome.

The table below is the specification. For each action it lists, per state of
the document, what each role gets when it POSTs a well-formed request:

    L      redirected to the login page
    403    refused by the rules (the 403 page says why)
    302+   done (a redirect) and the change is recorded in history
    200=   answered, nothing recorded (preview, presence)
    422=   refused by the state (the form comes back with the reason), nothing recorded
    302=   refused by the state with a message and a redirect, nothing recorded

Roles, in order: anonymous, norole (logged in, no drafting role), observer,
other_expert (an expert of another delegation), expert (the proposer of the
amendment and the author of the comments), secretariat. Each role's request
runs in a savepoint that is rolled back, so all six meet the same world.
What anyone may read (GET) is tests/test_read_access.py's table.

Two more tests keep the table honest: every URL in drafting.urls is either in
the table or a known read-only page, and a sweep POSTs to every URL as
anonymous, without a role and as an observer and checks that nothing at all is recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from django.apps import apps
from django.db import transaction
from django.urls import URLPattern, reverse
from django.utils import timezone

from drafting import actions, reads
from drafting.history import stamp
from drafting.models import (
    Document,
    ExpertProfile,
    Position,
    Practice,
    ReviewMeeting,
    Section,
    SilenceBreak,
    SilenceProcedure,
    Version,
)
from drafting.urls import drafting_patterns
from tests.conftest import NOT_AGREED, login, make_document, make_user

Role = ExpertProfile.Role
STATES = ["drafting", "in_review", "approved", "final", "submitted", "adopted"]
ROLES = ["anonymous", "norole", "observer", "other_expert", "expert", "secretariat"]


@dataclass
class World:
    users: dict
    document: Document
    section: Section  # first section: comments, edits and section transitions
    practice: Practice  # first practice of the first section, at revision 2
    other: Section  # second section: holds the open amendment
    deleted_pk: int  # a practice of the first section, deleted
    deletion: object  # its Deletion, restorable from the Deleted page
    amendment: object
    comment: object
    resolved_comment: object
    meeting: ReviewMeeting  # the document's ministerial plenary


def build(state: str) -> World:
    """A document in ``state``; see the module docstring for what each state means."""
    secretariat = make_user(Role.SECRETARIAT)
    expert = make_user(Role.EXPERT)
    users = {
        "anonymous": None,
        "norole": make_user(None),
        "observer": make_user(Role.OBSERVER),
        # An expert of another delegation: not the proposer of the amendment nor the
        # author of the comments.
        "other_expert": make_user(Role.EXPERT),
        "expert": expert,
        "secretariat": secretariat,
    }
    document = make_document(by=secretariat, sections=2, practices=3)
    section, other = document.sections.order_by("position")
    practice, _, doomed = section.practices.order_by("position")
    practice = actions.update_practice(
        practice, by=expert, heading="Practice 1.1", body="Edited once.", base_revision=1
    )
    deleted_pk = doomed.pk
    deletion = actions.delete_practice(doomed, by=secretariat)
    meeting = ReviewMeeting(
        document=document,
        kind=ReviewMeeting.Kind.MINISTERIAL,
        title="Ministerial plenary",
        starts_on=date(2018, 9, 26),
        ends_on=date(2018, 9, 27),
    )
    stamp(meeting, by=secretariat, reason="Test meeting.")
    meeting.save()
    amendment = actions.propose_change(
        other.practices.first(), by=expert, heading="Changed", body="Changed.", rationale="R."
    )
    comment = actions.add_comment(section, by=expert, body="A point.", practice=practice)
    resolved = actions.add_comment(section, by=expert, body="Settled.")
    actions.resolve_comment(resolved, by=secretariat)

    if state != "drafting":
        actions.open_document_review(document, by=secretariat)
        actions.request_review(section, by=expert)
        actions.request_review(other, by=expert)
    if state in {"approved", "final", "submitted", "adopted"}:
        actions.approve_section(section, by=secretariat, not_agreed_reason=NOT_AGREED)
    if state in {"final", "submitted", "adopted"}:
        actions.reject_amendment(amendment, by=secretariat, note="Not agreed.")
        actions.approve_section(other, by=secretariat, not_agreed_reason=NOT_AGREED)
        actions.finalise_document(document, by=secretariat)
    if state in {"submitted", "adopted"}:
        actions.submit_document(document, by=secretariat, meeting=meeting)
    if state == "adopted":
        actions.adopt_document(document, by=secretariat, adopted_on=timezone.localdate())
    return World(
        users=users,
        document=Document.objects.get(pk=document.pk),
        section=Section.objects.get(pk=section.pk),
        practice=Practice.objects.get(pk=practice.pk),
        other=Section.objects.get(pk=other.pk),
        deleted_pk=deleted_pk,
        deletion=deletion,
        amendment=amendment,
        comment=comment,
        resolved_comment=resolved,
        meeting=meeting,
    )


@dataclass
class Action:
    url: Callable[[World], str]
    data: Callable[[World], dict]
    expect: str  # six lines: state, then one outcome per role


def _table(text: str) -> dict[str, list[str]]:
    rows = {}
    for line in text.strip().splitlines():
        state, *outcomes = line.split()
        assert state in STATES and len(outcomes) == len(ROLES), line
        rows[state] = outcomes
    assert list(rows) == STATES
    return rows


def _u(name: str, *args) -> str:
    return reverse(f"drafting:{name}", args=args)


# Shorthands for the most common rows.
SECRETARIAT_ONLY_ALWAYS = """
    drafting   L 403 403 403  403  302+
    in_review  L 403 403 403  403  302+
    approved   L 403 403 403  403  302+
    final      L 403 403 403  403  302+
    submitted  L 403 403 403  403  302+
    adopted    L 403 403 403  403  403
"""
# Direct edits of the first section: experts while drafting, the secretariat also in review.
EDIT_FIRST_SECTION = """
    drafting   L 403 403 302+ 302+ 302+
    in_review  L 403 403 403  403  302+
    approved   L 403 403 403  403  403
    final      L 403 403 403  403  403
    submitted  L 403 403 403  403  403
    adopted    L 403 403 403  403  403
"""
# Structure of the document: drafting roles until the document is final.
STRUCTURE = """
    drafting   L 403 403 302+ 302+ 302+
    in_review  L 403 403 302+ 302+ 302+
    approved   L 403 403 302+ 302+ 302+
    final      L 403 403 403  403  403
    submitted  L 403 403 403  403  403
    adopted    L 403 403 403  403  403
"""
# Moving the first section below the second: structure, and once the first section is
# approved, the secretariat's call (its agreed practices would be renumbered).
MOVE_FIRST_SECTION = """
    drafting   L 403 403 302+ 302+ 302+
    in_review  L 403 403 302+ 302+ 302+
    approved   L 403 403 403  403  302+
    final      L 403 403 403  403  403
    submitted  L 403 403 403  403  403
    adopted    L 403 403 403  403  403
"""
# Proposals on the first section: until it is approved or the document final.
PROPOSE_ON_FIRST_SECTION = """
    drafting   L 403 403 302+ 302+ 302+
    in_review  L 403 403 302+ 302+ 302+
    approved   L 403 403 403  403  403
    final      L 403 403 403  403  403
    submitted  L 403 403 403  403  403
    adopted    L 403 403 403  403  403
"""
# Comments: every drafting role, until adoption.
DISCUSS = """
    drafting   L 403 403 302+ 302+ 302+
    in_review  L 403 403 302+ 302+ 302+
    approved   L 403 403 302+ 302+ 302+
    final      L 403 403 302+ 302+ 302+
    submitted  L 403 403 302+ 302+ 302+
    adopted    L 403 403 403  403  403
"""
# Resolving and reopening a comment: its author (the expert) or the secretariat.
RESOLVE = """
    drafting   L 403 403 403  302+ 302+
    in_review  L 403 403 403  302+ 302+
    approved   L 403 403 403  302+ 302+
    final      L 403 403 403  302+ 302+
    submitted  L 403 403 403  302+ 302+
    adopted    L 403 403 403  403  403
"""
# Deciding the open amendment (in the second section, which is in review until "final";
# from "final" on it has been rejected).
DECIDE = """
    drafting   L 403 403 403  403  302+
    in_review  L 403 403 403  403  302+
    approved   L 403 403 403  403  302+
    final      L 403 403 403  403  422=
    submitted  L 403 403 403  403  422=
    adopted    L 403 403 403  403  403
"""
# Writing nothing, for any drafting role in any state.
# The editor's heartbeat: answered (nothing recorded) only where the user may edit the text.
PRESENCE = """
    drafting   L 403 403 200= 200= 200=
    in_review  L 403 403 403  403  200=
    approved   L 403 403 403  403  403
    final      L 403 403 403  403  403
    submitted  L 403 403 403  403  403
    adopted    L 403 403 403  403  403
"""


# Importing a draft (issue 12): the secretariat's, whatever state any document is in. The
# upload and preview only hold the file in the session; the import itself is
# tested in tests/test_import_views.py (a POST here carries no file: the form asks for one).
def _same(outcome: str) -> str:
    return "\n".join(f"    {state:<10} {outcome}" for state in STATES)


IMPORT_UPLOAD = _same("L 403 403 403  403  422=")
IMPORT_PREVIEW = _same("L 403 403 403  403  404=")  # an upload no longer waiting in the session
IMPORT_CANCEL = _same("L 403 403 403  403  302=")
# Importing a revised copy into a document (issue 12): the secretariat's while the document's
# text can change (tests/test_import_into.py imports one; a POST here carries no file).
DOCUMENT_IMPORT = """
    drafting   L 403 403 403  403  422=
    in_review  L 403 403 403  403  422=
    approved   L 403 403 403  403  422=
    final      L 403 403 403  403  403
    submitted  L 403 403 403  403  403
    adopted    L 403 403 403  403  403
"""
DOCUMENT_IMPORT_PREVIEW = DOCUMENT_IMPORT.replace("422=", "404=")  # no upload waiting
# Setting up a new document (issue 12): the secretariat's, whatever state others are in.
DOCUMENT_CREATE = _same("L 403 403 403  403  302+")
# Editing a document's details: the secretariat's until the document is submitted.
DOCUMENT_EDIT = """
    drafting   L 403 403 403  403  302+
    in_review  L 403 403 403  403  302+
    approved   L 403 403 403  403  302+
    final      L 403 403 403  403  302+
    submitted  L 403 403 403  403  403
    adopted    L 403 403 403  403  403
"""


DOCUMENT_RENUMBER = """
    drafting   L 403 403 403  403  302+
    in_review  L 403 403 403  403  302+
    approved   L 403 403 403  403  302+
    final      L 403 403 403  403  302+
    submitted  L 403 403 403  403  403
    adopted    L 403 403 403  403  403
"""


def _kept_with_a_bis(w: World) -> dict:
    """Switch the world's document to keep numbers with its second practice labelled "1 bis"
    (written directly: in later states no action may change the text), and return what the
    confirmation page would post."""
    document = Document.objects.get(pk=w.document.pk)
    if document.numbering != Document.Numbering.KEEP:
        document.numbering = Document.Numbering.KEEP
        stamp(document, by=w.users["secretariat"], reason="Test: keep numbers.")
        document.save()
        practices = Practice.objects.filter(section__document=document).order_by(
            "section__position", "position"
        )
        for n, practice in enumerate(practices, start=1):
            practice.kept_number, practice.kept_suffix = (1, 1) if n == 2 else (n, 0)
            stamp(practice, by=w.users["secretariat"], reason="Test: kept label.")
            practice.save()
    return {"seen": reads.renumber_plan(document).seen, "reason": ""}


def _details(w: World | None = None) -> dict:
    return {
        "title": "Good Practices on Setting Up",
        "short_title": "Setting up",
        "forum": "Test Forum",
        "label_term": "Recommendation",
        "first_number": "20",
        "numbering": "continuous",
        **({"seen_revision": w.document.revision} if w is not None else {}),
    }


NO_WRITE = """
    drafting   L 403 403 200= 200= 200=
    in_review  L 403 403 200= 200= 200=
    approved   L 403 403 200= 200= 200=
    final      L 403 403 200= 200= 200=
    submitted  L 403 403 200= 200= 200=
    adopted    L 403 403 200= 200= 200=
"""


def _document_step(good_state: str, *, second_good_state: str = "") -> str:
    """A secretariat-only lifecycle step possible in ``good_state`` (refused with 422 elsewhere)."""
    lines = []
    for state in STATES:
        if state == "adopted":
            lines.append("adopted L 403 403 403 403 403")
        elif state in {good_state, second_good_state}:
            lines.append(f"{state} L 403 403 403 403 302+")
        else:
            lines.append(f"{state} L 403 403 403 403 422=")
    return "\n".join(lines)


ACTIONS: dict[str, Action] = {
    # --- section review (issue 4) -----------------------------------------------------------
    "section-request-review": Action(
        lambda w: _u("section-request-review", w.section.pk),
        lambda w: {"seen_revision": w.section.revision},
        """
        drafting   L 403 403 302+ 302+ 302+
        in_review  L 403 403 422= 422= 422=
        approved   L 403 403 422= 422= 422=
        final      L 403 403 422= 422= 422=
        submitted  L 403 403 422= 422= 422=
        adopted    L 403 403 403  403  403
        """,
    ),
    "section-approve": Action(
        lambda w: _u("section-approve", w.section.pk),
        lambda w: {
            "note": "Agreed.",
            "not_agreed_reason": NOT_AGREED,
            "seen_revision": w.section.revision,
        },
        """
        drafting   L 403 403 403  403  422=
        in_review  L 403 403 403  403  302+
        approved   L 403 403 403  403  422=
        final      L 403 403 403  403  422=
        submitted  L 403 403 403  403  422=
        adopted    L 403 403 403  403  403
        """,
    ),
    "section-return-to-drafting": Action(
        lambda w: _u("section-return-to-drafting", w.section.pk),
        lambda w: {"reason": "Needs work.", "seen_revision": w.section.revision},
        """
        drafting   L 403 403 403  403  422=
        in_review  L 403 403 403  403  302+
        approved   L 403 403 403  403  422=
        final      L 403 403 403  403  422=
        submitted  L 403 403 403  403  422=
        adopted    L 403 403 403  403  403
        """,
    ),
    "section-reopen": Action(
        lambda w: _u("section-reopen", w.section.pk),
        lambda w: {"reason": "New facts.", "seen_revision": w.section.revision},
        """
        drafting   L 403 403 403  403  422=
        in_review  L 403 403 403  403  422=
        approved   L 403 403 403  403  302+
        final      L 403 403 403  403  422=
        submitted  L 403 403 403  403  422=
        adopted    L 403 403 403  403  403
        """,
    ),
    # --- document lifecycle (issue 4) -------------------------------------------------------
    "document-open-review": Action(
        lambda w: _u("document-open-review", w.document.slug),
        lambda w: {},
        _document_step("drafting"),
    ),
    "document-return-to-drafting": Action(
        lambda w: _u("document-return-to-drafting", w.document.slug),
        lambda w: {"reason": "Back to the drawing board."},
        _document_step("in_review", second_good_state="approved"),
    ),
    "document-finalise": Action(
        lambda w: _u("document-finalise", w.document.slug),
        lambda w: {},
        # Never possible here before "final": the second section is not approved and its
        # amendment is open. (The path to "final" is exercised in build().)
        _document_step("none"),
    ),
    "document-reopen": Action(
        lambda w: _u("document-reopen", w.document.slug),
        lambda w: {"reason": "Late change."},
        _document_step("final"),
    ),
    "document-submit": Action(
        lambda w: _u("document-submit", w.document.slug),
        lambda w: {"meeting": w.meeting.pk},
        _document_step("final"),
    ),
    "document-withdraw-submission": Action(
        lambda w: _u("document-withdraw-submission", w.document.slug),
        lambda w: {"reason": "Plenary postponed."},
        _document_step("submitted"),
    ),
    "document-adopt": Action(
        lambda w: _u("document-adopt", w.document.slug),
        lambda w: {"adopted_on": timezone.localdate().isoformat()},
        _document_step("submitted"),
    ),
    # --- adoption packages (issue 14): the secretariat's, once the document is submitted ---
    "package-build": Action(
        lambda w: _u("package-build", w.document.slug),
        lambda w: {"seen_package": "0"},
        """
        drafting   L 403 403 403  403  403
        in_review  L 403 403 403  403  403
        approved   L 403 403 403  403  403
        final      L 403 403 403  403  403
        submitted  L 403 403 403  403  302+
        adopted    L 403 403 403  403  302+
        """,
    ),
    "version-create": Action(
        lambda w: _u("version-create", w.document.slug),
        lambda w: {"name": "Draft 9 — circulated"},
        SECRETARIAT_ONLY_ALWAYS,
    ),
    # --- amendments (issue 4) ---------------------------------------------------------------
    "amendment-propose-change": Action(
        lambda w: _u("amendment-propose-change", w.practice.pk),
        lambda w: {
            "heading": "Practice 1.1 proposed",
            "body": "Proposed.",
            "rationale": "Clearer.",
            "base_revision": w.practice.revision,
        },
        PROPOSE_ON_FIRST_SECTION,
    ),
    "amendment-propose-deletion": Action(
        lambda w: _u("amendment-propose-deletion", w.practice.pk),
        lambda w: {"rationale": "Duplicate.", "base_revision": w.practice.revision},
        PROPOSE_ON_FIRST_SECTION,
    ),
    "amendment-propose-practice": Action(
        lambda w: _u("amendment-propose-practice", w.section.pk),
        lambda w: {"after": "first", "heading": "A new one", "body": "", "rationale": "Gap."},
        PROPOSE_ON_FIRST_SECTION,
    ),
    "amendment-accept": Action(
        lambda w: _u("amendment-accept", w.amendment.pk),
        lambda w: {
            "note": "Agreed.",
            "heading": "Changed",
            "body": "Changed.",
            "seen_revision": w.amendment.base_revision,
        },
        DECIDE,
    ),
    "amendment-reject": Action(
        lambda w: _u("amendment-reject", w.amendment.pk),
        lambda w: {"note": "Not agreed."},
        DECIDE,
    ),
    "amendment-withdraw": Action(
        lambda w: _u("amendment-withdraw", w.amendment.pk),
        lambda w: {"reason": "Changed my mind."},
        """
        drafting   L 403 403 403  302+ 403
        in_review  L 403 403 403  302+ 403
        approved   L 403 403 403  302+ 403
        final      L 403 403 403  302= 403
        submitted  L 403 403 403  302= 403
        adopted    L 403 403 403  403  403
        """,
    ),
    # --- comments (issue 4) -----------------------------------------------------------------
    "comment-create": Action(
        lambda w: _u("comment-create", w.section.pk),
        lambda w: {"body": "Another point.", "practice": w.practice.pk},
        DISCUSS,
    ),
    "comment-reply": Action(
        lambda w: _u("comment-reply", w.comment.pk),
        lambda w: {"body": "Agreed."},
        DISCUSS,
    ),
    "comment-resolve": Action(lambda w: _u("comment-resolve", w.comment.pk), lambda w: {}, RESOLVE),
    "comment-unresolve": Action(
        lambda w: _u("comment-unresolve", w.resolved_comment.pk), lambda w: {}, RESOLVE
    ),
    # --- editing (issue 3) ------------------------------------------------------------------
    "section-add": Action(
        lambda w: _u("section-add", w.document.slug),
        lambda w: {"title": "A new section", "introduction": "", "reason": ""},
        STRUCTURE,
    ),
    "section-move": Action(
        lambda w: _u("section-move", w.section.pk),
        lambda w: {"direction": "down", "seen_revision": w.section.revision},
        MOVE_FIRST_SECTION,
    ),
    "section-edit": Action(
        lambda w: _u("section-edit", w.section.pk),
        lambda w: {
            "title": "Section 1, renamed",
            "introduction": "",
            "base_revision": w.section.revision,
            "reason": "",
        },
        EDIT_FIRST_SECTION,
    ),
    "section-delete": Action(
        lambda w: _u("section-delete", w.section.pk),
        lambda w: {
            "reason": "Merged elsewhere.",
            "seen": actions.section_fingerprint(w.section, w.section.practices.all()),
        },
        # The first section holds practices: only the secretariat deletes it.
        """
        drafting   L 403 403 403  403  302+
        in_review  L 403 403 403  403  302+
        approved   L 403 403 403  403  403
        final      L 403 403 403  403  403
        submitted  L 403 403 403  403  403
        adopted    L 403 403 403  403  403
        """,
    ),
    "practice-add": Action(
        lambda w: _u("practice-add", w.section.pk),
        lambda w: {"heading": "Added", "body": "", "reason": ""},
        EDIT_FIRST_SECTION,
    ),
    "practice-edit": Action(
        lambda w: _u("practice-edit", w.practice.pk),
        lambda w: {
            "heading": "Practice 1.1 edited",
            "body": "Edited twice.",
            "base_revision": w.practice.revision,
            "reason": "",
        },
        EDIT_FIRST_SECTION,
    ),
    "practice-move": Action(
        lambda w: _u("practice-move", w.practice.pk),
        lambda w: {"direction": "down", "seen_revision": w.practice.revision},
        EDIT_FIRST_SECTION,
    ),
    "practice-delete": Action(
        lambda w: _u("practice-delete", w.practice.pk),
        lambda w: {"reason": "Gone.", "base_revision": w.practice.revision},
        EDIT_FIRST_SECTION,
    ),
    "practice-preview": Action(
        lambda w: _u("practice-preview"), lambda w: {"body": "*Preview*"}, NO_WRITE
    ),
    "practice-presence": Action(
        lambda w: _u("practice-presence", w.practice.pk),
        lambda w: {"base_revision": w.practice.revision},
        PRESENCE,
    ),
    # --- history (issue 3) ------------------------------------------------------------------
    "practice-restore": Action(
        lambda w: _u("practice-restore", w.practice.pk),
        lambda w: {"revision": 1, "base_revision": w.practice.revision, "reason": ""},
        EDIT_FIRST_SECTION,
    ),
    "practice-undelete": Action(
        lambda w: _u("practice-undelete", w.deleted_pk),
        lambda w: {"reason": "Needed after all."},
        EDIT_FIRST_SECTION,
    ),
    # --- the Deleted page: a practice comes back into its section, so its rule decides -------
    "deletion-restore": Action(
        lambda w: _u("deletion-restore", w.deletion.pk),
        lambda w: {"reason": "Needed after all."},
        EDIT_FIRST_SECTION,
    ),
    # --- meetings (issue 5) -----------------------------------------------------------------
    "meeting-create": Action(
        lambda w: _u("meeting-create", w.document.slug),
        lambda w: {
            "kind": ReviewMeeting.Kind.WORKSHOP,
            "status": ReviewMeeting.Status.PLANNED,
            "title": "A future workshop",
            "starts_on": "2099-03-01",
            "ends_on": "2099-03-02",
            "reason": "",
        },
        SECRETARIAT_ONLY_ALWAYS,
    ),
    "meeting-edit": Action(
        lambda w: _u("meeting-edit", w.meeting.pk),
        lambda w: {
            "kind": ReviewMeeting.Kind.MINISTERIAL,
            "status": ReviewMeeting.Status.HELD,
            "title": "Ministerial plenary, New York",
            "starts_on": "2018-09-26",
            "ends_on": "2018-09-27",
            "reason": "",
            "seen_revision": w.meeting.revision,
        },
        SECRETARIAT_ONLY_ALWAYS,
    ),
    "meeting-circulate": Action(
        lambda w: _u("meeting-circulate", w.meeting.pk),
        lambda w: {"name": "Draft for the plenary"},
        SECRETARIAT_ONLY_ALWAYS,
    ),
    # --- importing a draft (issue 12) ----------------------------------------------------------
    "import-start": Action(lambda w: _u("import-start"), lambda w: {}, IMPORT_UPLOAD),
    "import-preview": Action(
        lambda w: _u("import-preview", "gone"), lambda w: {"confirm": "1"}, IMPORT_PREVIEW
    ),
    "import-cancel": Action(lambda w: _u("import-cancel", "gone"), lambda w: {}, IMPORT_CANCEL),
    "document-import": Action(
        lambda w: _u("document-import", w.document.slug), lambda w: {}, DOCUMENT_IMPORT
    ),
    "document-import-preview": Action(
        lambda w: _u("document-import-preview", w.document.slug, "gone"),
        lambda w: {"confirm": "1"},
        DOCUMENT_IMPORT_PREVIEW,
    ),
    # --- setting up a document (issue 12) ----------------------------------------------------
    "document-create": Action(
        lambda w: _u("document-create"), lambda w: _details(), DOCUMENT_CREATE
    ),
    "document-edit": Action(
        lambda w: _u("document-edit", w.document.slug), _details, DOCUMENT_EDIT
    ),
    # Renumber now, on a document that keeps its numbers and holds a "1 bis" (issue 12).
    "document-renumber": Action(
        lambda w: _u("document-renumber", w.document.slug), _kept_with_a_bis, DOCUMENT_RENUMBER
    ),
}


# --- positions (issue 14), kept apart from the table above to ease merges ---------------------
def _reservation(w: World) -> Position:
    """The expert's delegation's reservation on the first practice (made once per world)."""
    found = Position.objects.filter(practice=w.practice).first()
    if found is None:
        expert = w.users["expert"]
        found = Position(
            practice=w.practice,
            delegation=expert.profile.delegation,
            stance=Position.Stance.RESERVATION,
            text="We reserve.",
        )
        stamp(found, by=expert, reason="Test reservation.")
        found.save()
    return found


ACTIONS |= {
    # The data names the expert's delegation: the secretariat (whose officer here belongs
    # to another delegation) cannot state it; nobody states a position once adopted.
    "position-set": Action(
        lambda w: _u("position-set", w.practice.pk),
        lambda w: {
            "delegation": w.users["expert"].profile.delegation_id,
            "stance": "objection",
            "text": "Too broad.",
            "seen_revision": 0,
        },
        """
        drafting   L 403 403 403  302+ 403
        in_review  L 403 403 403  302+ 403
        approved   L 403 403 403  302+ 403
        final      L 403 403 403  302+ 403
        submitted  L 403 403 403  302+ 403
        adopted    L 403 403 403  403  403
        """,
    ),
    "position-record": Action(
        lambda w: _u("position-record", _reservation(w).pk),
        lambda w: {"on_record": "1", "seen_revision": _reservation(w).revision},
        SECRETARIAT_ONLY_ALWAYS,
    ),
    # Agreement per practice: the secretariat's, until adoption (the first practice has no
    # objection, so nothing keeps it under negotiation).
    "agreement-set": Action(
        lambda w: _u("agreement-set", w.practice.pk),
        lambda w: {"status": "ad_referendum", "seen_revision": w.practice.revision},
        SECRETARIAT_ONLY_ALWAYS,
    ),
}

# --- people (issue 12): the secretariat's, whatever state any document is in ---------------------
PEOPLE = _same("L 403 403 403  403  302+")
# "Send again" answers at once; the e-mail (and its record) leaves after the commit, which a
# rolled-back attempt never reaches: tests/test_people.py follows it through.
PEOPLE_AFTER_COMMIT = _same("L 403 403 403  403  302=")


def _person(w: World, username: str, *, active: bool = True, password: bool = True):
    """A person the secretariat manages (made once per world): deactivated, or invited."""
    from django.contrib.auth import get_user_model

    found = get_user_model().objects.filter(username=username).first()
    if found is None:
        found = make_user(Role.EXPERT, username=username)
        found.is_active = active
        if not password:
            found.set_unusable_password()
            found.email = f"{username}@example.org"
        found.save()
    return found


ACTIONS |= {
    "people-invite": Action(
        lambda w: _u("people-invite"),
        lambda w: {
            "first_name": "Ingrid",
            "last_name": "Solberg",
            "email": "ingrid@norvania.example",
            "delegation": w.users["expert"].profile.delegation_id,
            "role": "expert",
        },
        PEOPLE,
    ),
    "person-role": Action(
        lambda w: _u("person-role", w.users["other_expert"].pk),
        lambda w: {"role": "observer", "delegation": "", "reason": "Changed jobs."},
        PEOPLE,
    ),
    "person-deactivate": Action(
        lambda w: _u("person-deactivate", w.users["other_expert"].pk),
        lambda w: {"reason": "Left the forum."},
        PEOPLE,
    ),
    "person-reactivate": Action(
        lambda w: _u("person-reactivate", _person(w, "left.forum", active=False).pk),
        lambda w: {},
        PEOPLE,
    ),
    "person-resend": Action(
        lambda w: _u("person-resend", _person(w, "invited.person", password=False).pk),
        lambda w: {},
        PEOPLE_AFTER_COMMIT,
    ),
}


# --- square brackets (issue 14), kept apart too ---------------------------------------------
def _bracketed(w: World) -> Practice:
    """The first practice with one bracket in its body (written once per world, whatever the
    state: the matrix asks who may act on it, not how it got there)."""
    practice = Practice.objects.get(pk=w.practice.pk)
    if "[[" not in practice.body:
        code = w.users["expert"].profile.delegation.code
        practice.body = f"Edited [[once]]{{}} [[twice]]{{{code}}}."
        practice.revision += 1
        stamp(practice, by=w.users["secretariat"], reason="Test: a bracket.")
        practice.save()
    return practice


ACTIONS |= {
    # Bracketing, supporting and resolving change the text: who may edit it, when.
    "practice-brackets": Action(
        lambda w: _u("practice-brackets", w.practice.pk),
        lambda w: {
            "field": "heading",
            "passage": "Practice",
            "alternative_1": "Measure",
            "alternative_1_delegations": [w.users["expert"].profile.delegation_id],
            "base_revision": w.practice.revision,
        },
        EDIT_FIRST_SECTION,
    ),
    # Each supports for their own delegation (the secretariat's officer belongs to one).
    "bracket-support": Action(
        lambda w: _u("bracket-support", w.practice.pk),
        lambda w: {
            "field": "body",
            "bracket": 1,
            "alternative": 1,
            "base_revision": _bracketed(w).revision,
        },
        EDIT_FIRST_SECTION,
    ),
    "bracket-resolve": Action(
        lambda w: _u("bracket-resolve", w.practice.pk),
        lambda w: {
            "field": "body",
            "bracket": 1,
            "outcome": "keep-2",
            "meeting": w.meeting.pk,
            "base_revision": _bracketed(w).revision,
        },
        EDIT_FIRST_SECTION,
    ),
}

# --- notifications (issue 15): each person's own, whatever role or state ---------------------
# Marking one's notifications read and choosing one's e-mails change no part of the draft
# (no history): done, with a redirect, for anyone logged in, and for nobody else's rows
# (tests/test_notifications.py).
OWN_NOTIFICATIONS = _same("L 302= 302= 302= 302= 302=")


def _all_immediate(w: World) -> dict:
    from drafting.models.notifications import Kind

    return dict.fromkeys(Kind.values, "immediate")


ACTIONS |= {
    "notification-read-all": Action(
        lambda w: _u("notification-read-all"), lambda w: {}, OWN_NOTIFICATIONS
    ),
    "notification-preferences": Action(
        lambda w: _u("notification-preferences"), _all_immediate, OWN_NOTIFICATIONS
    ),
}

# --- Silence procedure (issue 15) ------------------------------------------------------------


def _silence_version(w: World) -> dict:
    """A version of the text as it is now, for the form that places it under silence."""
    version = Version(
        document=w.document,
        name="Final draft",
        taken_at=timezone.now(),
        created_by=w.users["secretariat"],
    )
    stamp(version, by=w.users["secretariat"], reason="Test version.")
    version.save()
    return {
        "version": version.pk,
        "deadline_date": "2099-03-01",
        "deadline_time": "17:00",
        "deadline_zone": "Africa/Casablanca",
        "invited": [w.users["expert"].profile.delegation_id],
        "note": "",
    }


def _silence(w: World, *, broken: bool = False) -> SilenceProcedure:
    """A running procedure (deadline in 2099) inviting the expert's delegation only; with
    ``broken``, that delegation has broken silence. Written directly: the document's state
    is the table's, whatever opening a procedure would require."""
    clerk = w.users["secretariat"]
    found = SilenceProcedure.objects.filter(document=w.document, closed="").first()
    if found is not None:
        return found
    version = Version(
        document=w.document, name="Silence", taken_at=timezone.now(), created_by=clerk
    )
    stamp(version, by=clerk, reason="Test version.")
    version.save()
    procedure = SilenceProcedure(
        document=w.document,
        version=version,
        deadline=datetime(2099, 3, 1, 16, tzinfo=UTC),
        opened_by=clerk,
        opened_at=timezone.now(),
    )
    stamp(procedure, by=clerk, reason="Test procedure.")
    procedure.save()
    procedure.invited.set([w.users["expert"].profile.delegation_id])
    if broken:
        row = SilenceBreak(
            procedure=procedure,
            delegation=w.users["expert"].profile.delegation,
            expert=w.users["expert"],
            reason="Para 3.",
            at=timezone.now(),
        )
        stamp(row, by=w.users["expert"], reason="Test break.")
        row.save()
    return procedure


ACTIONS |= {
    # Placing a version under silence: the text must be ready to be final (or final).
    "silence-create": Action(
        lambda w: _u("silence-create", w.document.slug),
        _silence_version,
        """
        drafting   L 403 403 403  403  422=
        in_review  L 403 403 403  403  422=
        approved   L 403 403 403  403  422=
        final      L 403 403 403  403  302+
        submitted  L 403 403 403  403  422=
        adopted    L 403 403 403  403  403
        """,
    ),
    # Only the experts of an invited delegation (here the expert's, not other_expert's).
    "silence-break": Action(
        lambda w: _u("silence-break", _silence(w).pk),
        lambda w: {"reason": "We cannot accept para 3."},
        """
        drafting   L 403 403 403  302+ 403
        in_review  L 403 403 403  302+ 403
        approved   L 403 403 403  302+ 403
        final      L 403 403 403  302+ 403
        submitted  L 403 403 403  302+ 403
        adopted    L 403 403 403  403  403
        """,
    ),
    # Before the deadline there is nothing to conclude: a message, nothing recorded.
    "silence-conclude": Action(
        lambda w: _u("silence-conclude", _silence(w).pk),
        lambda w: {},
        """
        drafting   L 403 403 403  403  302=
        in_review  L 403 403 403  403  302=
        approved   L 403 403 403  403  302=
        final      L 403 403 403  403  302=
        submitted  L 403 403 403  403  302=
        adopted    L 403 403 403  403  403
        """,
    ),
    "silence-end": Action(
        lambda w: _u("silence-end", _silence(w, broken=True).pk),
        lambda w: {"note": "Back to the working group."},
        SECRETARIAT_ONLY_ALWAYS,
    ),
}


# --- Comment periods (issue 15) ------------------------------------------------------------------
# One period on a version of the world's document, to which only the expert's delegation is
# invited, with one comment of the expert's in it. Made directly (as set-up) so that it
# exists in every state, adopted included; the URLs' own checks are what the table tests.


def _period(w: World):
    from drafting.models import Comment, CommentPeriod, Version

    if getattr(w, "period", None) is None:
        clerk = w.users["secretariat"]
        version = Version(
            document=w.document, name="Circulated", taken_at=timezone.now(), created_by=clerk
        )
        stamp(version, by=clerk, reason="Test set-up.")
        version.save()
        period = CommentPeriod(
            document=w.document,
            version=version,
            deadline=timezone.now() + timedelta(days=30),
            opened_by=clerk,
        )
        stamp(period, by=clerk, reason="Test set-up.")
        period.save()
        period.invited.set([w.users["expert"].profile.delegation])
        comment = Comment(
            section=w.section,
            practice=w.practice,
            author=w.users["expert"],
            body="In the period.",
            period=period,
            version=version,
        )
        stamp(comment, by=w.users["expert"], reason="Test set-up.")
        comment.save()
        w.period, w.period_comment = period, comment
    return w.period


def _disposition_row(w: World) -> dict:
    _period(w)
    row = f"comment-{w.period_comment.pk}"
    return {"submission": row, f"{row}-outcome": "rejected", f"{row}-seen_revision": "0"}


# Sending in: the invited delegation's expert, whatever the sections' states, until adopted.
PERIOD_SUBMIT = """
    drafting   L 403 403 403  302+ 403
    in_review  L 403 403 403  302+ 403
    approved   L 403 403 403  302+ 403
    final      L 403 403 403  302+ 403
    submitted  L 403 403 403  302+ 403
    adopted    L 403 403 403  403  403
"""

ACTIONS |= {
    "period-create": Action(
        lambda w: _u("period-create", w.document.slug),
        lambda w: {
            "version": _period(w).version_id,
            "deadline_date": "2099-03-01",
            "deadline_time": "12:00",
            "deadline_zone": "UTC",
            "invited": [w.users["expert"].profile.delegation_id],
        },
        SECRETARIAT_ONLY_ALWAYS,
    ),
    "period-submit": Action(
        lambda w: _u("period-submit", _period(w).pk),
        lambda w: {"kind": "comment", "practice": w.practice.pk, "body": "A point."},
        PERIOD_SUBMIT,
    ),
    "period-compilation": Action(
        lambda w: _u("period-compilation", _period(w).pk),
        lambda w: {"anonymise": "1"},
        SECRETARIAT_ONLY_ALWAYS,
    ),
    "period-dispositions": Action(
        lambda w: _u("period-dispositions", _period(w).pk),
        lambda w: _disposition_row(w),
        SECRETARIAT_ONLY_ALWAYS,
    ),
}

# Pages that only read (GET); the sweep below still POSTs to each of them.
READ_ONLY = {
    "home",
    "session-keep-alive",  # only restarts the session's idle clock
    "document-detail",
    "section-detail",
    "practice-detail",
    "document-dashboard",
    "version-list",
    "version-detail",
    "amendment-list",
    "amendment-detail",
    "comment-list",  # the document's comment threads (issue 17)
    "meeting-list",
    "meeting-detail",
    "practice-history",
    "practice-compare",
    "section-history",
    "document-changes",
    "document-search",
    "document-deleted",
    "document-export",
    "document-exports",
    "document-redline",
    # positions (issue 14)
    "position-matrix",
    "position-export",
    "document-brackets",  # square brackets (issue 14)
    "export-job",  # the page of a download being made (the download link starts it)
    "export-job-file",
    # people (issue 12)
    "people-list",
    "person-detail",
    # adoption packages (issue 14)
    "package-list",
    "package-download",
    "notification-list",  # marks one's own notifications read as they are shown (no history)
    "silence-detail",  # silence procedure (issue 15)
    # comment periods (issue 15)
    "period-list",
    "period-detail",
    "period-compilation-export",
    "period-dispositions-export",
}


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """Hundreds of users are created and logged in here; the real hasher would take minutes."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def history_rows() -> int:
    """All rows of all history tables: any recorded change shows up here."""
    return sum(
        model.objects.count()
        for model in apps.get_app_config("drafting").get_models()
        if model.__name__.startswith("Historical")
    )


def attempt(client, user, url: str, data: dict):
    """POST as ``user`` inside a savepoint that is rolled back; (response, rows written)."""
    with transaction.atomic():
        client.logout()
        if user is not None:
            login(client, user)
        before = history_rows()
        response = client.post(url, data)
        written = history_rows() - before
        transaction.set_rollback(True)
    return response, written


def check(outcome: str, response, written: int, where: str) -> None:
    status = response.status_code
    if outcome == "L":
        assert status == 302 and response["Location"].startswith(reverse("login")), where
        assert written == 0, where
        return
    if outcome == "403":
        assert status == 403, f"{where}: got {status}"
        assert written == 0, where
        return
    expected, effect = int(outcome[:-1]), outcome[-1]
    assert status == expected, f"{where}: expected {expected}, got {status}"
    assert (written > 0) if effect == "+" else (written == 0), f"{where}: {written} rows written"


CASES = [(name, state) for name in ACTIONS for state in STATES]


@pytest.mark.parametrize(("name", "state"), CASES, ids=[f"{n}@{s}" for n, s in CASES])
def test_matrix(client, db, name, state):
    action = ACTIONS[name]
    world = build(state)
    url, data = action.url(world), action.data(world)
    for role, outcome in zip(ROLES, _table(action.expect)[state], strict=True):
        response, written = attempt(client, world.users[role], url, data)
        check(outcome, response, written, f"{name} as {role} while {state}")


def _pattern_names() -> set[str]:
    return {p.name for p in drafting_patterns if isinstance(p, URLPattern)}


def test_every_url_is_in_the_matrix_or_read_only():
    unknown = _pattern_names() - set(ACTIONS) - READ_ONLY
    assert not unknown, (
        f"New URLs {sorted(unknown)}: add each to ACTIONS in tests/test_permissions_matrix.py "
        "(if it changes anything) or to READ_ONLY (if it only reads)."
    )
    assert not (set(ACTIONS) | READ_ONLY) - _pattern_names(), "The table names URLs that are gone."


def _kwargs_for(pattern: URLPattern, world: World) -> dict:
    """Plausible arguments for any URL: the world's objects, by the route's leading noun."""
    route = str(pattern.pattern)
    ids = {
        "sections": world.section.pk,
        "practices": world.practice.pk,
        "amendments": world.amendment.pk,
        "comments": world.comment.pk,
        "meetings": world.meeting.pk,
        "deletions": world.deletion.pk,
    }
    kwargs = {}
    for name in pattern.pattern.converters:
        if name == "slug":
            kwargs[name] = world.document.slug
        elif name == "pk":
            kwargs[name] = ids.get(route.split("/")[0], 1)
        elif name == "fmt":
            kwargs[name] = "html"
        else:
            kwargs[name] = 1
    return kwargs


@pytest.mark.parametrize("state", ["drafting", "adopted"])
def test_no_url_lets_anonymous_norole_or_observers_change_anything(client, db, state):
    """A crafted POST to any URL, with or without data, records nothing for these three."""
    world = build(state)
    for pattern in drafting_patterns:
        url = reverse(f"drafting:{pattern.name}", kwargs=_kwargs_for(pattern, world))
        data = ACTIONS[pattern.name].data(world) if pattern.name in ACTIONS else {"body": "x"}
        for role in ("anonymous", "norole", "observer"):
            response, written = attempt(client, world.users[role], url, data)
            where = f"POST {url} as {role} while {state}"
            assert written == 0, where
            assert response.status_code in {302, 403, 405, 200, 404}, where
            if role == "anonymous" and response.status_code == 302 and state != "adopted":
                # (An adopted text is public: its pages may redirect anonymous readers to it.)
                assert response["Location"].startswith(reverse("login")), where


def test_get_on_post_only_endpoints_is_405(client, db):
    world = build("drafting")
    login(client, world.users["expert"])
    for action in ACTIONS.values():
        url = action.url(world)
        response = client.get(url)
        # Form pages show their form on GET; pure actions refuse GET.
        assert response.status_code in {200, 403, 405}, f"GET {url}: {response.status_code}"
    for name in ("amendment-withdraw", "comment-create", "comment-resolve"):
        assert client.get(ACTIONS[name].url(world)).status_code == 405, name
