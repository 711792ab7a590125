"""The lifecycle of sections and documents: state tables as data, one function per transition.

A section goes drafting -> in review -> approved (and back to drafting when the
secretariat returns or reopens it, always with a reason). A document goes
drafting -> in review -> final -> submitted for adoption -> adopted, with a way
back from each step before adoption. Named versions are also taken here: they
mark points on the road to adoption.

Every transition function locks the row, checks *who* through
drafting.permissions (PermissionDenied, shown as a 403 that says why), checks the
state and its preconditions (ValidationError in words a secretariat officer
understands, e.g. "3 sections are not approved: Detection, Intervention,
Response") and stamps history with the user and the reason before saving.
Templates never re-derive these rules: they ask ``available_transitions()``."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.urls import reverse

from drafting import brackets, numbering, permissions
from drafting.models import Amendment, Document, Practice, ReviewMeeting, Section
from drafting.reads.amendments import concerned_section, concerning_section

S = Section.Status
D = Document.Status

# How a status reads inside a sentence ("“Detection” is still in drafting").
_SECTION_STATE_WORDS = {
    S.DRAFTING: "still in drafting",
    S.IN_REVIEW: "in review",
    S.APPROVED: "approved",
}
_DOCUMENT_STATE_WORDS = {
    D.DRAFTING: "in drafting",
    D.IN_REVIEW: "in review",
    D.FINAL: "final",
    D.SUBMITTED: "submitted for adoption",
    D.ADOPTED: "adopted",
}


@dataclass(frozen=True)
class Transition:
    """One arrow of a state diagram."""

    name: str  # the URL segment and the key in the table, e.g. "approve"
    label: str  # the button
    source: str
    target: str
    done: str  # past tense for messages and refusals: "approved"
    reason_required: bool = False
    forward: bool = True  # towards adoption; the dashboard's "next step" is the forward one
    style: str = "primary"
    # A step its taker cannot undo: its page says this before the button, and the buttons
    # elsewhere lead to that page instead of taking the step at once.
    warning: str = ""


SECTION_TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        Transition(
            "request-review",
            "Send for review",
            S.DRAFTING,
            S.IN_REVIEW,
            "sent for review",
            warning=(
                "Once in review, the section can no longer be edited directly, by you or any "
                "expert: changes become proposals (amendments) for the secretariat to decide, "
                "and only the secretariat can return it to drafting."
            ),
        ),
        Transition("approve", "Approve", S.IN_REVIEW, S.APPROVED, "approved"),
        Transition(
            "return-to-drafting",
            "Return to drafting",
            S.IN_REVIEW,
            S.DRAFTING,
            "returned to drafting",
            reason_required=True,
            forward=False,
            style="",
        ),
        Transition(
            "reopen",
            "Reopen",
            S.APPROVED,
            S.DRAFTING,
            "reopened",
            reason_required=True,
            forward=False,
            style="",
        ),
    ]
}

DOCUMENT_TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        Transition("open-review", "Open for review", D.DRAFTING, D.IN_REVIEW, "opened for review"),
        Transition(
            "return-to-drafting",
            "Return to drafting",
            D.IN_REVIEW,
            D.DRAFTING,
            "returned to drafting",
            reason_required=True,
            forward=False,
            style="",
        ),
        Transition("finalise", "Mark final", D.IN_REVIEW, D.FINAL, "marked final"),
        Transition(
            "reopen",
            "Return to review",
            D.FINAL,
            D.IN_REVIEW,
            "returned to review",
            reason_required=True,
            forward=False,
            style="",
        ),
        Transition("submit", "Submit for adoption", D.FINAL, D.SUBMITTED, "submitted for adoption"),
        Transition(
            "withdraw-submission",
            "Withdraw from adoption",
            D.SUBMITTED,
            D.FINAL,
            "withdrawn from adoption",
            reason_required=True,
            forward=False,
            style="",
        ),
        Transition(
            "adopt",
            "Record adoption",
            D.SUBMITTED,
            D.ADOPTED,
            "adopted",
            warning=(
                "Recording the adoption closes the document for good: nobody can change its "
                "text afterwards, and the adopted text becomes public."
            ),
        ),
    ]
}

# The state tables as the issue draws them: status -> statuses it may move to.
SECTION_ALLOWED: dict[str, set[str]] = {}
for _t in SECTION_TRANSITIONS.values():
    SECTION_ALLOWED.setdefault(_t.source, set()).add(_t.target)
DOCUMENT_ALLOWED: dict[str, set[str]] = {}
for _t in DOCUMENT_TRANSITIONS.values():
    DOCUMENT_ALLOWED.setdefault(_t.source, set()).add(_t.target)

# Who may take each section transition (None = allowed, else the refusal).
_SECTION_WHO: dict[str, Callable[..., str | None]] = {
    "request-review": permissions.why_cannot_request_review,
    "approve": permissions.why_cannot_decide_section,
    "return-to-drafting": permissions.why_cannot_decide_section,
    "reopen": permissions.why_cannot_decide_section,
}


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


# --- Preconditions: what blocks a transition, as sentences -------------------------------


def _section_blockers(section: Section, transition: Transition) -> list[str]:
    """Why ``transition`` cannot happen now, beyond who is asking. One query at most."""
    blockers = []
    if frozen := permissions.why_frozen_by_silence(section.document):
        blockers.append(frozen)
    if section.document.status in {D.FINAL, D.SUBMITTED}:
        blockers.append(
            f"The document is {_DOCUMENT_STATE_WORDS[section.document.status]}; the secretariat "
            "must return it to review before the status of its sections can change."
        )
    if transition.name == "approve":
        open_ids = list(
            Amendment.objects.filter(concerning_section(section), status=Amendment.Status.OPEN)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if open_ids:
            listed = ", ".join(f"#{pk}" for pk in open_ids)
            blockers.append(
                f"{_plural(len(open_ids), 'amendment', 'amendments')} to this section "
                f"{'is' if len(open_ids) == 1 else 'are'} still open ({listed}); accept, reject "
                "or withdraw them first."
            )
    return blockers


def _document_blockers(
    document: Document,
    transition: Transition,
    *,
    sections: list[Section] | None = None,
    open_amendment_rows: list[tuple[int, str]] | None = None,
    ministerial: list[ReviewMeeting] | None = None,
    open_bracket_rows: list[tuple[str, int]] | None = None,
) -> list[str]:
    """Why ``transition`` cannot happen now. Callers that already hold the data pass it in.

    ``open_bracket_rows``: (section title, open square brackets in its practices) for
    the sections that have any; a final text holds no passage still in brackets.
    """
    # Under silence procedure only its conclusion moves the document (actions.silence).
    blockers = [frozen] if (frozen := permissions.why_frozen_by_silence(document)) else []
    if transition.name == "finalise":
        if sections is None:
            sections = list(document.sections.order_by("position", "id"))
        if not sections:
            blockers.append("The document has no sections yet.")
        pending = [s.title for s in sections if s.status != S.APPROVED]
        if pending:
            blockers.append(
                f"{_plural(len(pending), 'section is', 'sections are')} not approved: "
                f"{', '.join(pending)}."
            )
        if open_amendment_rows is None:
            open_amendment_rows = open_amendments_in_document(document)
        if open_amendment_rows:
            listed = ", ".join(f"#{pk} ({title})" for pk, title in open_amendment_rows)
            blockers.append(
                f"{_plural(len(open_amendment_rows), 'amendment is', 'amendments are')} "
                f"still open: {listed}."
            )
        if open_bracket_rows is None:
            open_bracket_rows = open_brackets_by_section(document)
        if open_bracket_rows:
            total = sum(n for _, n in open_bracket_rows)
            where = ", ".join(f"{title} ({n})" for title, n in open_bracket_rows)
            blockers.append(
                f"{_plural(total, 'square bracket is', 'square brackets are')} still open, "
                f"in {where}: resolve them before the text is final."
            )
    elif transition.name == "submit":
        if ministerial is None:
            ministerial = ministerial_meetings(document)
        if not ministerial:
            blockers.append(
                "No ministerial plenary is planned for this document; add one to its meetings "
                "first."
            )
    return blockers


def open_brackets_by_section(document: Document) -> list[tuple[str, int]]:
    """(section title, open square brackets in its practices) in document order. One query:
    only practices whose texts hold "[[" are read."""
    counts: dict[int, list] = {}
    rows = (
        Practice.objects.filter(section__document=document)
        .filter(Q(heading__contains="[[") | Q(body__contains="[["))
        .order_by("section__position", "section_id")
        .values_list("section_id", "section__title", "heading", "body")
    )
    for section_id, title, heading, body in rows:
        n = brackets.count_open(heading, body)
        if n:
            counts.setdefault(section_id, [title, 0])[1] += n
    return [(title, n) for title, n in counts.values()]


def open_amendments_in_document(document: Document) -> list[tuple[int, str]]:
    """(amendment number, title of the section it concerns) of every open amendment. One query."""
    rows = (
        Amendment.objects.filter(status=Amendment.Status.OPEN, section__document=document)
        .select_related("section", "practice__section")
        .order_by("pk")
    )
    return [(a.pk, concerned_section(a).title) for a in rows]


def ministerial_meetings(document: Document) -> list[ReviewMeeting]:
    """The document's ministerial plenaries that can still take a submission. One query."""
    return list(
        ReviewMeeting.objects.filter(document=document, kind=ReviewMeeting.Kind.MINISTERIAL)
        .exclude(status=ReviewMeeting.Status.CANCELLED)
        .order_by("starts_on", "id")
    )


# --- What templates ask ----------------------------------------------------------------------


@dataclass
class Available:
    """A transition the user may take from the object's current state, and what blocks it now."""

    transition: Transition
    url: str
    blockers: list[str] = field(default_factory=list)
    # A section's revision as the page shows it; its one-button form sends it back so
    # the action can refuse a step taken from a stale page (None for documents).
    revision: int | None = None

    @property
    def blocked(self) -> bool:
        return bool(self.blockers)

    @property
    def name(self) -> str:
        return self.transition.name

    @property
    def label(self) -> str:
        return self.transition.label


def available_transitions(user, obj: Section | Document, **known) -> list[Available]:
    """Transitions from ``obj``'s current state that ``user`` may take, each with its blockers.

    Transitions the user's role does not allow are left out (no button at all); transitions
    the role allows but the state blocks are included with their blockers, so a page can say
    what is missing. Steps towards adoption come first. ``known`` passes data a page already
    holds (see _document_blockers).
    """
    return sorted(_available(user, obj, **known), key=lambda a: not a.transition.forward)


def _available(user, obj: Section | Document, **known) -> list[Available]:
    if isinstance(obj, Section):
        return [
            Available(
                t,
                reverse(f"drafting:section-{t.name}", args=[obj.pk]),
                _section_blockers(obj, t),
                revision=obj.revision,
            )
            for t in SECTION_TRANSITIONS.values()
            if t.source == obj.status and _SECTION_WHO[t.name](user, obj) is None
        ]
    if permissions.why_cannot_change_lifecycle(user, obj) is not None:
        return []
    return [
        Available(
            t,
            reverse(f"drafting:document-{t.name}", args=[obj.slug]),
            _document_blockers(obj, t, **known),
        )
        for t in DOCUMENT_TRANSITIONS.values()
        if t.source == obj.status
    ]


def why_cannot(user, obj: Section | Document, name: str) -> str | None:
    """Whether ``user``'s role allows transition ``name`` on ``obj`` at all (the 403 reason)."""
    if isinstance(obj, Section):
        return _SECTION_WHO[name](user, obj)
    return permissions.why_cannot_change_lifecycle(user, obj)


def next_step(document: Document, **known) -> Available | None:
    """The forward lifecycle step from the document's state, whoever may take it."""
    for t in DOCUMENT_TRANSITIONS.values():
        if t.source == document.status and t.forward:
            url = reverse(f"drafting:document-{t.name}", args=[document.slug])
            return Available(t, url, _document_blockers(document, t, **known))
    return None


def _check(obj, transition: Transition, why_not: str | None, reason: str, blockers) -> None:
    if why_not is not None:
        raise PermissionDenied(why_not)
    if obj.status != transition.source:
        words = _SECTION_STATE_WORDS if isinstance(obj, Section) else _DOCUMENT_STATE_WORDS
        kind = "section" if isinstance(obj, Section) else "document"
        raise ValidationError(
            f"“{obj}” is {words[obj.status]}; only a {kind} {words[transition.source]} can be "
            f"{transition.done}."
        )
    if transition.reason_required and not reason.strip():
        raise ValidationError(
            f"Say why the {type(obj).__name__.lower()} is being {transition.done}."
        )
    found = blockers()
    if found:
        raise ValidationError(found)


# --- Structure: which moves renumber agreed text, and which a user may make -------------------
# Numbers are derived from order (Good Practice 1, 2, ... through the document), so a
# move renumbers every practice it passes over. The functions below work that out from
# the sections in order and their practice counts; drafting.permissions decides who may.


def _keeps_numbers(section: Section) -> bool:
    """Under the keep-numbers rule no move renumbers anything (drafting.numbering)."""
    return section.document.numbering == Document.Numbering.KEEP


def renumbered_by_section_move(
    order: Sequence[Section], counts: Mapping[int, int], section: Section, new_index: int
) -> list[Section]:
    """Approved sections whose practices get new numbers if ``section`` moves to ``new_index``.

    ``order`` is every section of the document in order, ``section`` among them;
    ``new_index`` is its place among the *others*. Moving a section shifts the
    numbers of the sections it passes over by its own number of practices.
    """
    if _keeps_numbers(section):
        return []
    index = next(i for i, s in enumerate(order) if s.pk == section.pk)
    others = [s for s in order if s.pk != section.pk]
    crossed = others[new_index:index] if new_index < index else others[index:new_index]
    if not counts.get(section.pk):
        return []
    return [s for s in crossed if s.status == S.APPROVED and counts.get(s.pk)]


def renumbered_by_practice_move(
    order: Sequence[Section], counts: Mapping[int, int], source: Section, target: Section
) -> list[Section]:
    """Approved sections whose practices get new numbers when one practice of ``source``
    moves to ``target``: those strictly between the two (their own status is the edit rule's).
    None under keep numbers: every practice keeps its label wherever one moves."""
    if _keeps_numbers(source):
        return []
    ids = [s.pk for s in order]
    low, high = sorted((ids.index(source.pk), ids.index(target.pk)))
    return [s for s in order[low + 1 : high] if s.status == S.APPROVED and counts.get(s.pk)]


@dataclass
class Steps:
    """Whether a row may move one place up or down, and if not, why (for a tooltip)."""

    up: bool = False
    down: bool = False
    why_not_up: str = ""
    why_not_down: str = ""


def _steps(up: str | None, down: str | None) -> Steps:
    return Steps(up is None, down is None, up or "", down or "")


def section_steps(user, document: Document, outline: Sequence) -> dict[int, Steps]:
    """Section id -> may ``user`` move it up / down, for the document page's buttons.

    ``outline`` is reads.document_outline(document). No queries.
    """
    order = [entry.section for entry in outline]
    counts = {entry.section.pk: len(entry.practices) for entry in outline}
    for section in order:
        section.document = document  # the same row: the rules read its status, no query
    last = len(order) - 1

    def why(section: Section, new_index: int) -> str | None:
        renumbered = renumbered_by_section_move(order, counts, section, new_index)
        return permissions.why_cannot_move_section(user, section, renumbered=renumbered)

    steps = {}
    for i, section in enumerate(order):
        steps[section.pk] = _steps(
            why(section, i - 1) if i > 0 else "It is already the first section.",
            why(section, i + 1) if i < last else "It is already the last section.",
        )
    return steps


def section_step_effect(outline: Sequence, section_id: int, direction: str) -> str:
    """What one step of a section does, in words, for the page that asks first.

    "This moves “Detection” above “Prevention” and renumbers Good Practices 1–11."
    ``outline`` is reads.document_outline(document); ``direction`` "up" or "down".
    Empty when there is no such step (the action refuses it and says why). No queries.
    """
    index = next((i for i, e in enumerate(outline) if e.section.pk == section_id), None)
    if index is None or direction not in ("up", "down"):
        return ""
    other_index = index - 1 if direction == "up" else index + 1
    if not 0 <= other_index < len(outline):
        return ""
    moving, other = outline[index], outline[other_index]
    where = "above" if direction == "up" else "below"
    sentence = f"This moves “{moving.section.title}” {where} “{other.section.title}”"
    keep = moving.section.document.numbering == Document.Numbering.KEEP
    if keep or not (moving.practices and other.practices):
        # Under keep numbers every practice keeps its label wherever it stands.
        return f"{sentence}; no practice changes its number."
    numbers = [p.number for p in [*moving.practices, *other.practices]]
    term = moving.section.document.label_term or "Good Practice"
    plural = term if term.endswith("s") else f"{term}s"  # "Recommendations 3–6"
    return f"{sentence} and renumbers {plural} {min(numbers)}–{max(numbers)}."


def deletion_effect(
    document: Document, numbers: Mapping[int, int | str], deleted: Sequence[int]
) -> str:
    """What deleting practices (one, or a section's) does to the others' numbers, for the
    page that asks first: "This renumbers Good Practices 9–23 as 8–22."

    ``numbers`` is reads.practice_numbers(document) (in document order), ``deleted``
    the ids of the practices that go. No queries.
    """
    gone = set(deleted) & set(numbers)
    if not gone:
        return ""
    order = list(numbers)
    last = max(order.index(pk) for pk in gone)
    later = [numbers[pk] for pk in order[last + 1 :]]
    if document.numbering == Document.Numbering.KEEP or not later:
        # Under keep numbers a deleted practice leaves a gap: nobody else moves.
        return "No other practice changes its number."
    term = document.label_term or "Good Practice"
    new = [n - len(gone) for n in later]
    return f"This renumbers {numbering.range_sentence(term, later, new)}."


def practice_steps(user, sections: Sequence[Section], section: Section, practices) -> dict:
    """Practice id -> may ``user`` move it one place up / down (into the neighbouring
    section at an edge), for the section page's ↑ ↓ buttons. No queries.

    ``sections`` are the document's sections in order, ``practices`` this section's in order.
    """
    ids = [s.pk for s in sections]
    index = ids.index(section.pk)
    previous = sections[index - 1] if index > 0 else None
    following = sections[index + 1] if index + 1 < len(sections) else None
    for s in sections:
        s.document = section.document
    within = permissions.why_cannot_move_practice(user, section, section)

    def into(neighbour: Section | None, edge: str) -> str | None:
        if neighbour is None:
            return edge
        return permissions.why_cannot_move_practice(user, section, neighbour)

    up_edge = into(previous, "It is already the first practice of the document.")
    down_edge = into(following, "It is already the last practice of the document.")
    last = len(practices) - 1
    return {
        p.pk: _steps(within if i > 0 else up_edge, within if i < last else down_edge)
        for i, p in enumerate(practices)
    }


def practice_targets(user, section: Section, outline: Sequence) -> dict[int, str | None]:
    """Section id -> None if ``user`` may move a practice of ``section`` there, else why not.

    For the "Move…" page, which offers places only in the sections it may go to.
    ``outline`` is reads.document_outline(). No queries.
    """
    order = [entry.section for entry in outline]
    counts = {entry.section.pk: len(entry.practices) for entry in outline}
    for s in order:
        s.document = section.document
    source = next(s for s in order if s.pk == section.pk)
    return {
        target.pk: permissions.why_cannot_move_practice(
            user,
            source,
            target,
            renumbered=renumbered_by_practice_move(order, counts, source, target),
        )
        for target in order
    }
