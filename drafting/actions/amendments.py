"""Amendments: what experts propose, and the secretariat's decisions on them.

Every function locks and re-reads what it depends on before deciding
(drafting.actions.base: the document, then sections and practices, then the
amendment), checks who may (drafting.permissions), checks the state
(ValidationError in plain words), stamps history with the user and the reason,
then saves.

Accepting an amendment never writes the practice itself: it calls the ordinary
service functions (update_practice / create_practice / delete_practice),
so permissions, revision checks and history are exactly those of a direct edit,
with the history naming the proposer and saying who accepted it. If the practice
changed since the revision the amendment was based on, accepting is refused
with AmendmentConflict until the secretariat has seen the current text (the
three-way view) and confirms the text to apply: nothing is silently overwritten."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from drafting import permissions, text
from drafting.actions import brackets
from drafting.actions import notifications as notify
from drafting.actions.base import (
    StaleRevision,
    gone,
    lock_document,
    lock_practice,
    lock_practices,
    lock_section,
    pk_of,
)
from drafting.actions.comments import COMMENT_LIMIT
from drafting.actions.deletions import delete_practice
from drafting.actions.practices import create_practice, update_practice
from drafting.history import person, stamp
from drafting.models import Amendment, Delegation, Practice, ReviewMeeting, Section

HEADING_LIMIT = 1000
BODY_LIMIT = text.MAX_LENGTH
Kind = Amendment.Kind


class AmendmentConflict(Exception):
    """The practice changed since the text the decision was based on."""

    def __init__(self, amendment: Amendment, current: Practice):
        super().__init__(
            f"Good practice “{current}” changed since amendment #{amendment.pk} was proposed "
            f"(revision {amendment.base_revision}, now {current.revision}). Compare the texts "
            "and confirm what to apply."
        )
        self.amendment = amendment
        self.current = current


# --- Proposals ------------------------------------------------------------------------------


def _clean_text(heading: str, body: str) -> tuple[str, str]:
    heading = " ".join((heading or "").split())
    body = (body or "").replace("\r\n", "\n")
    if not heading:
        raise ValidationError("A practice needs a heading.")
    if len(heading) > HEADING_LIMIT:
        raise ValidationError(f"The heading is longer than {HEADING_LIMIT:,} characters.")
    if len(body) > BODY_LIMIT:
        raise ValidationError(f"The text is longer than {BODY_LIMIT:,} characters.")
    text.validate_markdown(body)  # the text format's limits, as for a direct edit
    return heading, body


def _clean_rationale(rationale: str) -> str:
    rationale = (rationale or "").strip()
    if not rationale:
        raise ValidationError("Give a rationale: why should the text change?")
    if len(rationale) > COMMENT_LIMIT:
        raise ValidationError(f"The rationale is longer than {COMMENT_LIMIT:,} characters.")
    return rationale


def _base_revision(practice: Practice, base_revision: int | None) -> int:
    if base_revision is None:
        return practice.revision
    if not 1 <= base_revision <= practice.revision:
        raise ValidationError("The proposal refers to a revision this practice never had.")
    return base_revision


def _refuse_proposal(by, section: Section, delegation: Delegation | None) -> None:
    """An expert proposes for their own delegation; the secretariat may record one for another."""
    if delegation is None:
        permissions.refuse_if(permissions.why_cannot_propose_amendment(by, section))
    else:
        permissions.refuse_if(permissions.why_cannot_propose_on_behalf(by, section))


def _save_proposal(
    amendment: Amendment, *, by, what: str, delegation: Delegation | None = None, reason: str = ""
) -> Amendment:
    amendment.delegation_id = delegation.pk if delegation else by.profile.delegation_id
    amendment.proposed_by = by
    amendment.status = Amendment.Status.OPEN
    stamp(amendment, by=by, reason=reason or f"Proposed: {what}.")
    amendment.save()
    notify.amendment_proposed(amendment, by=by)
    return amendment


@transaction.atomic
def propose_change(
    practice: Practice | int,
    *,
    by,
    heading: str,
    body: str,
    rationale: str,
    base_revision: int | None = None,
    delegation: Delegation | None = None,
    reason: str = "",
    period=None,
    now=None,
) -> Amendment:
    """An expert proposes new wording for a practice, on behalf of their delegation.

    ``base_revision`` is the revision the proposer read (default: the current one).
    ``delegation``: the secretariat records the proposal for this delegation (a
    revised draft's import; permissions.why_cannot_propose_on_behalf); ``reason``
    replaces the history's "Proposed: …". ``period``: sent in during that comment
    period, against its version's text (drafting.actions.periods.check_submission
    decides, with ``now``, whether it may and whether it is late); the base revision
    is then the practice's revision in that version.
    """
    practice = lock_practice(practice)
    late, version = False, None
    if period is None:
        _refuse_proposal(by, practice.section, delegation)
        base_heading, base_body = practice.heading, practice.body
        base = _base_revision(practice, base_revision)
    else:
        from drafting.actions import periods  # periods builds on this module

        # A period's own rules replace the section's: a circulated version is commented
        # on whatever state its sections have reached since. The silence freeze still
        # holds: no amendment is proposed while the text is under silence procedure.
        permissions.refuse_if(permissions.why_frozen_by_silence(practice.section.document))
        period, late = periods.check_submission(
            period, by=by, document=practice.section.document, now=now
        )
        circulated = periods.circulated_practice(period, practice.pk)
        base_heading, base_body, base = circulated.heading, circulated.body, circulated.revision
        version = period.version
    heading, body = _clean_text(heading, body)
    if heading == base_heading and body == base_body:
        raise ValidationError(
            "The proposed text is the same as the "
            + ("circulated text." if period is not None else "current text.")
        )
    amendment = Amendment(
        kind=Kind.CHANGE,
        section=practice.section,
        practice=practice,
        base_revision=base,
        proposed_heading=heading,
        proposed_body=body,
        rationale=_clean_rationale(rationale),
        period=period,
        version=version,
        late=late,
    )
    what = "a change to a practice" + (" (late)" if late else "")
    if version is not None:
        what += f" in the comment period on “{version}”"
    return _save_proposal(amendment, by=by, what=what, delegation=delegation, reason=reason)


@transaction.atomic
def propose_deletion(
    practice: Practice | int,
    *,
    by,
    rationale: str,
    base_revision: int | None = None,
    delegation: Delegation | None = None,
    reason: str = "",
) -> Amendment:
    """An expert proposes deleting a practice, on behalf of their delegation.

    ``delegation`` and ``reason``: as for propose_change.
    """
    practice = lock_practice(practice)
    _refuse_proposal(by, practice.section, delegation)
    amendment = Amendment(
        kind=Kind.DELETE,
        section=practice.section,
        practice=practice,
        base_revision=_base_revision(practice, base_revision),
        rationale=_clean_rationale(rationale),
    )
    return _save_proposal(
        amendment, by=by, what="the deletion of a practice", delegation=delegation, reason=reason
    )


@transaction.atomic
def propose_practice(
    section: Section | int,
    *,
    by,
    heading: str,
    body: str,
    rationale: str,
    after: Practice | int | None = None,
    delegation: Delegation | None = None,
    reason: str = "",
) -> Amendment:
    """Propose a new practice placed after ``after`` (or at the start of the section if None).

    ``delegation`` and ``reason``: as for propose_change.
    """
    section = lock_section(section)
    _refuse_proposal(by, section, delegation)
    if after is not None:
        after = lock_practices({section.pk: section}, [pk_of(after)]).get(pk_of(after))
        if after is None:
            raise ValidationError(
                "Choose a place among this section's practices: the one you chose is no "
                "longer in it (it was moved or deleted since you opened the page)."
            )
    heading, body = _clean_text(heading, body)
    amendment = Amendment(
        kind=Kind.NEW,
        section=section,
        practice=after,
        proposed_heading=heading,
        proposed_body=body,
        rationale=_clean_rationale(rationale),
    )
    return _save_proposal(
        amendment, by=by, what="a new practice", delegation=delegation, reason=reason
    )


# --- Decisions --------------------------------------------------------------------------------


def _lock_practice_if_any(practice_id: int | None) -> Practice | None:
    if practice_id is None:
        return None
    try:
        return lock_practice(practice_id)
    except ValidationError:
        return None  # deleted meanwhile


def _locked(amendment: Amendment | int, *, with_practice: bool = False) -> Amendment:
    """Lock the amendment's document, its practice if asked, then the amendment itself.

    Returned re-read, with ``section.document`` the locked document and, with
    ``with_practice``, ``practice`` the locked practice. Raises ValidationError if
    the amendment, or the practice it still names, has been deleted.
    """
    pk = pk_of(amendment)
    row = Amendment.objects.filter(pk=pk).values_list("section__document_id", "practice_id").first()
    if row is None:
        raise gone(Amendment)
    document = lock_document(row[0])
    practice = _lock_practice_if_any(row[1]) if with_practice else None
    current = (
        Amendment.objects.select_for_update(of=("self",))
        .select_related("section", "delegation", "proposed_by")
        .filter(pk=pk)
        .first()
    )
    if current is None:
        raise gone(Amendment)
    current.section.document = document
    if with_practice:
        if current.practice_id != (practice.pk if practice else None):
            # Changed between the two reads by a writer that does not take the document lock.
            practice = _lock_practice_if_any(current.practice_id)
        if current.practice_id is not None and practice is None:
            raise gone(Practice)
        current.practice = practice
    return current


def _require_open(amendment: Amendment) -> None:
    if amendment.status != Amendment.Status.OPEN:
        raise ValidationError(
            f"Amendment #{amendment.pk} has already been {amendment.get_status_display().lower()}."
        )


def _check_meeting(meeting: ReviewMeeting | None, amendment: Amendment) -> None:
    if meeting is not None and meeting.document_id != amendment.section.document_id:
        raise ValidationError("Choose a meeting of this document.")


def _name(user) -> str:
    return person(user).name


@transaction.atomic
def withdraw_amendment(amendment: Amendment | int, *, by, reason: str = "") -> Amendment:
    """The proposer takes their amendment back."""
    current = _locked(amendment)
    permissions.refuse_if(permissions.why_cannot_withdraw_amendment(by, current))
    _require_open(current)
    current.status = Amendment.Status.WITHDRAWN
    current.decided_at = timezone.now()
    stamp(current, by=by, reason=f"Withdrawn by the proposer. {reason.strip()}".strip())
    current.save()
    return current


@transaction.atomic
def reject_amendment(
    amendment: Amendment | int, *, by, note: str, meeting: ReviewMeeting | None = None
) -> Amendment:
    """The secretariat rejects an amendment; the note tells the proposer why."""
    current = _locked(amendment)
    permissions.refuse_if(permissions.why_cannot_decide_amendment(by, current))
    _require_open(current)
    _check_meeting(meeting, current)
    note = (note or "").strip()
    if not note:
        raise ValidationError("Say why the amendment is rejected; the proposer will read it.")
    _decide(current, by=by, status=Amendment.Status.REJECTED, note=note, meeting=meeting)
    stamp(current, by=by, reason=f"Rejected. {note}", meeting=meeting)
    current.save()
    notify.amendment_decided(current, by=by)
    return current


def _decide(amendment: Amendment, *, by, status: str, note: str, meeting) -> None:
    amendment.status = status
    amendment.decided_by, amendment.decided_at = by, timezone.now()
    amendment.decision_note = note
    amendment.decided_at_meeting = meeting


@transaction.atomic
def accept_amendment(
    amendment: Amendment | int,
    *,
    by,
    note: str = "",
    heading: str | None = None,
    body: str | None = None,
    seen_revision: int | None = None,
    after: Practice | None = None,
    first: bool = False,
    meeting: ReviewMeeting | None = None,
    as_alternative: bool = False,
) -> Amendment:
    """Apply an amendment as the proposer's change, then record the decision.

    ``as_alternative`` (a change amendment only): the text is not replaced; the
    passage the amendment changes is put in square brackets, the current wording
    next to the proposed one attributed to the proposer's delegation
    (drafting.actions.brackets.as_alternative; ValidationError when the change
    cannot be held in one bracket).

    ``heading``/``body`` let the secretariat adjust the proposed text before applying
    it. ``seen_revision`` is the practice revision the secretariat was shown; when it
    is omitted, the amendment's own base revision is expected. If the practice has
    moved on from the expected revision, AmendmentConflict is raised and nothing is
    written. For a new practice, ``after``/``first`` override the proposed place.
    """
    current = _locked(amendment, with_practice=True)
    permissions.refuse_if(permissions.why_cannot_decide_amendment(by, current))
    _require_open(current)
    _check_meeting(meeting, current)
    proposer = current.proposed_by
    reason = f"Amendment #{current.pk} by {current.delegation.name}, accepted by {_name(by)}."
    if as_alternative:
        if current.kind != Kind.CHANGE:
            raise ValidationError(
                "Only a change to a practice's text can be accepted as an alternative."
            )
        reason = (
            f"Amendment #{current.pk} by {current.delegation.name}, accepted as an alternative "
            f"by {_name(by)}: the passage it changes is in square brackets."
        )

    if current.kind in {Kind.CHANGE, Kind.NEW}:
        heading, body = _clean_text(
            current.proposed_heading if heading is None else heading,
            current.proposed_body if body is None else body,
        )
        if (heading, body) != (current.proposed_heading, current.proposed_body):
            reason += " Text adjusted by the secretariat."

    if current.kind == Kind.NEW:
        section = current.section
        if after is None and not first:
            anchor = current.practice
            if anchor is not None and anchor.section_id == section.pk:
                after = anchor
            elif current.practice_id is None:
                first = True
        create_practice(
            section.pk,
            by=by,
            heading=heading,
            body=body,
            after=after,
            first=first,
            reason=reason,
            meeting=meeting,
            on_behalf_of=proposer,
        )
    else:
        if current.practice_id is None:
            raise ValidationError(
                "The practice this amendment concerns has been deleted; the amendment can "
                "only be rejected or withdrawn."
            )
        practice = current.practice
        expected = current.base_revision if seen_revision is None else seen_revision
        if practice.revision != expected:
            raise AmendmentConflict(current, practice)
        try:
            if current.kind == Kind.CHANGE:
                if as_alternative:
                    codes = [current.delegation.code.upper()]
                    heading = brackets.as_alternative(
                        practice.heading, heading, codes, field="heading"
                    )
                    body = brackets.as_alternative(practice.body, body, codes, field="body")
                update_practice(
                    practice,
                    by=by,
                    heading=heading,
                    body=body,
                    base_revision=expected,
                    reason=reason,
                    meeting=meeting,
                    on_behalf_of=proposer,
                )
            else:
                delete_practice(
                    practice, by=by, reason=reason, meeting=meeting, on_behalf_of=proposer
                )
                # The database has just set this link to NULL (on_delete); keep it so.
                current.practice = None
        except StaleRevision as stale:
            raise AmendmentConflict(current, stale.current) from stale

    _decide(current, by=by, status=Amendment.Status.ACCEPTED, note=note.strip(), meeting=meeting)
    stamp(current, by=by, reason=f"Accepted. {note.strip()}".strip(), meeting=meeting)
    current.save()
    notify.amendment_decided(current, by=by)
    return current
