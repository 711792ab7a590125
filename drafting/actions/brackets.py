"""Square brackets: bracket a passage, support an alternative, resolve a bracket.

Brackets live in the practice text (drafting/brackets.py), so each function here
computes the new text under lock and saves it through ``update_practice``: the
permission (editing the section), the revision the user saw, the text format's
rules (``text.validate_line``/``validate_markdown``) and the history stamp are
exactly those of a direct edit, with a reason that says what happened to the
bracket. Nothing here writes a row itself.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction

from drafting import brackets, diff, permissions
from drafting.actions.base import StaleRevision, _require_edit, lock_practice, pk_of
from drafting.actions.practices import update_practice
from drafting.models import Delegation, Practice, ReviewMeeting


def _codes(delegations: Sequence[Delegation | int], field: str, *, required: bool = True):
    """Short codes of ``delegations`` (instances or ids), refusing ids that name none.

    ``required=False``: no delegation is the text as it stands (``[[text]]{}``).
    """
    ids = [pk_of(d) for d in delegations]
    if not ids:
        if not required:
            return []
        raise ValidationError({field: "Choose at least one delegation proposing this text."})
    found = dict(Delegation.objects.filter(pk__in=ids).values_list("pk", "code"))
    if set(ids) - set(found):
        raise ValidationError({field: "One of the delegations chosen does not exist."})
    return [found[i].upper() for i in dict.fromkeys(ids)]


def _source(practice: Practice, field: str) -> str:
    if field not in brackets.FIELDS:
        raise ValidationError({"field": "Choose the lead sentence or the explanatory text."})
    return getattr(practice, field)


def _save(current: Practice, field: str, new: str, *, by, seen: int, reason: str, meeting=None):
    heading = new if field == "heading" else current.heading
    body = new if field == "body" else current.body
    return update_practice(
        current.pk,
        by=by,
        heading=heading,
        body=body,
        base_revision=seen,
        reason=reason,
        meeting=meeting,
    )


def _locked(practice: Practice | int, *, by, base_revision: int) -> Practice:
    current = lock_practice(practice)
    _require_edit(by, current.section)
    if current.revision != base_revision:
        raise StaleRevision(current, seen=base_revision)
    return current


@transaction.atomic
def bracket_passage(
    practice: Practice | int,
    *,
    by,
    field: str,
    passage: str,
    delegations: Sequence[Delegation | int],
    alternatives: Sequence[tuple[str, Sequence[Delegation | int]]] = (),
    base_revision: int,
    reason: str = "",
) -> Practice:
    """Put ``passage`` of the practice's ``field`` ("heading" or "body") in square brackets.

    The passage itself becomes the first alternative, proposed by ``delegations``;
    each of ``alternatives`` is (text, delegations) and follows it. The passage must
    occur exactly once in the text and outside any bracket. Raises ValidationError
    keyed by form field (passage, delegations, alternative_<n>), PermissionDenied
    unless ``by`` may edit the section (never on an adopted document),
    StaleRevision if the practice changed since ``base_revision``.
    """
    current = _locked(practice, by=by, base_revision=base_revision)
    source = _source(current, field)
    passage = (passage or "").strip()
    if not passage:
        raise ValidationError({"passage": "Copy the words to put in brackets from the text."})
    count = source.count(passage)
    if count == 0:
        where = brackets.FIELDS[field]
        raise ValidationError(
            {"passage": f"These words are not in the {where} as it stands; copy them exactly."}
        )
    if count > 1:
        raise ValidationError(
            {
                "passage": f"These words occur {count} times; "
                "include a neighbouring word so the passage is found once."
            }
        )
    start = source.index(passage)
    end = start + len(passage)
    for bracket in brackets.brackets(source):
        if start < bracket.end and bracket.start < end:
            raise ValidationError(
                {
                    "passage": "Part of this passage is already in brackets; resolve that bracket "
                    "or support one of its alternatives."
                }
            )
    parts = [brackets.alternative(passage, _codes(delegations, "delegations", required=False))]
    for n, (other, who) in enumerate(alternatives, start=1):
        other = " ".join((other or "").split()) if field == "heading" else (other or "").strip()
        if not other:
            raise ValidationError({f"alternative_{n}": "Write the alternative text."})
        if other == passage:
            raise ValidationError(
                {f"alternative_{n}": "This is the passage itself; write a different wording."}
            )
        parts.append(brackets.alternative(other, _codes(who, f"alternative_{n}_delegations")))
    new = source[:start] + " ".join(parts) + source[end:]
    what = " ".join(brackets.printed(p) for p in parts)
    why = f"Put in square brackets: {what}."
    return _save(current, field, new, by=by, seen=base_revision, reason=f"{why} {reason}".strip())


def _bracket(source: str, number: int) -> brackets.Bracket:
    found = brackets.brackets(source)
    if not 1 <= number <= len(found):
        raise ValidationError(
            "That bracket is no longer in the text (it was resolved or changed since you "
            "opened the page); nothing was changed."
        )
    return found[number - 1]


@transaction.atomic
def support_alternative(
    practice: Practice | int,
    *,
    by,
    field: str,
    bracket: int,
    alternative: int,
    base_revision: int,
    delegation: Delegation | int | None = None,
) -> Practice:
    """Add a delegation to those proposing alternative ``alternative`` of bracket ``bracket``.

    Both numbers count from 1 in the field's text. An expert supports for their own
    delegation (``delegation`` must be it or None); the secretariat names the
    delegation. Recorded as a change of the text saying who supports what.
    Raises ValidationError (no delegation, already supporting, bracket gone),
    PermissionDenied, StaleRevision.
    """
    current = _locked(practice, by=by, base_revision=base_revision)
    source = _source(current, field)
    own = permissions.delegation_of(by)
    if delegation is None:
        delegation = own
    if delegation is None:
        raise ValidationError({"delegation": "Choose the delegation that supports it."})
    if not permissions.is_secretariat(by) and (own is None or pk_of(delegation) != own.pk):
        permissions.refuse_if("You can support an alternative only for your own delegation.")
    code = _codes([delegation], "delegation")[0]
    group = _bracket(source, bracket)
    if not 1 <= alternative <= len(group.alternatives):
        raise ValidationError("That alternative is no longer in the bracket; nothing was changed.")
    alt = group.alternatives[alternative - 1]
    if code in alt.codes:
        raise ValidationError(f"{code} already proposes “{alt.text}”.")
    new_alt = brackets.alternative(alt.text, [*alt.codes, code])
    new = source[: alt.start] + new_alt + source[alt.end :]
    reason = f"{code} supports the alternative {brackets.printed(new_alt)}."
    return _save(current, field, new, by=by, seen=base_revision, reason=reason)


@transaction.atomic
def resolve_bracket(
    practice: Practice | int,
    *,
    by,
    field: str,
    bracket: int,
    base_revision: int,
    keep: int | None = None,
    merged: str | None = None,
    meeting: ReviewMeeting | int | None = None,
    note: str = "",
) -> Practice:
    """Resolve bracket ``bracket`` (from 1) of ``field``: keep one alternative, merge, or drop.

    ``keep`` is the number of the alternative kept; ``merged`` new text replacing
    the bracket; neither drops the passage. One recorded change of the text whose
    reason names what was kept and dropped; ``meeting`` (one of the document's)
    is recorded as where it was decided. Raises ValidationError, PermissionDenied,
    StaleRevision.
    """
    current = _locked(practice, by=by, base_revision=base_revision)
    source = _source(current, field)
    group = _bracket(source, bracket)
    meeting_id = pk_of(meeting) if meeting is not None else None
    document = current.section.document
    if meeting_id is not None and not document.meetings.filter(pk=meeting_id).exists():
        raise ValidationError({"meeting": "That meeting is not one of this document's."})
    if keep is not None and merged:
        raise ValidationError({"merged": "Keep one alternative or write a merged text, not both."})
    if keep is not None:
        if not 1 <= keep <= len(group.alternatives):
            raise ValidationError({"keep": "That alternative is not in the bracket."})
        kept = group.alternatives[keep - 1]
        new_text = kept.text
        dropped = [a for a in group.alternatives if a is not kept]
        what = f"kept {kept.printed}"
        if dropped:
            what += "; dropped " + " ".join(a.printed for a in dropped)
    elif merged:
        new_text = " ".join(merged.split()) if field == "heading" else merged.strip()
        what = f"merged {group.printed} into “{new_text}”"
    else:
        new_text = ""
        what = f"dropped the passage {group.printed}"
    new = brackets.replace(source, group, new_text)
    if field == "heading" and not new.strip():
        raise ValidationError(
            {"keep": "Dropping this passage would leave the lead sentence empty."}
        )
    reason = f"Bracket resolved: {what}."
    if note.strip():
        reason += f" {note.strip()}"
    return _save(current, field, new, by=by, seen=base_revision, reason=reason, meeting=meeting_id)


def as_alternative(current: str, proposed: str, codes: Sequence[str], *, field: str) -> str:
    """``current`` with the passage ``proposed`` changes put in brackets: as it stands vs proposed.

    For an amendment accepted "as an alternative" (drafting/actions/amendments.py).
    The changed passage is isolated with the one differ (drafting.diff) when the
    change is one run of words inside one paragraph: "States [[should]]{} [[may]]{FR}
    establish". Otherwise a one-line text (the lead) becomes a whole-text
    alternative; a change spread over paragraphs of the explanatory text cannot be
    held in one bracket and is refused (ValidationError) with what to do instead.
    ``codes`` are the proposing delegation's.
    """
    if current == proposed:
        return current
    segs = diff.segments(current, proposed)
    changed = [n for n, seg in enumerate(segs) if seg.kind != "equal"]
    first, last = changed[0], changed[-1]
    before = "".join(s.text for s in segs[:first])
    after = "".join(s.text for s in segs[last + 1 :])
    one_span = all(segs[n].kind != "equal" for n in range(first, last + 1))
    old = "".join(s.text for s in segs[first : last + 1] if s.kind != "insert")
    new = "".join(s.text for s in segs[first : last + 1] if s.kind != "delete")
    # Spaces at the edges belong to the text around the bracket, not to the alternatives.
    lead = min(len(old) - len(old.lstrip()), len(new) - len(new.lstrip()))
    trail = min(len(old) - len(old.rstrip()), len(new) - len(new.rstrip()))
    before += old[:lead]
    after = old[len(old) - trail :] + after if trail else after
    old = old[lead : len(old) - trail]
    new = new[lead : len(new) - trail]
    if one_span and not (old and new):
        # An insertion or a deletion: anchor it on the word before, so both sides have text.
        word = re.search(r"(\S+)([ \t]*)$", before)
        if word:
            before = before[: word.start()]
            old = word.group(0) + old if old else word.group(1)
            new = word.group(0) + new if new else word.group(1)
        space = re.search(r"[ \t]*$", old if old != old.rstrip(" \t") else new).group()
        old, new = old.rstrip(" \t"), new.rstrip(" \t")
        if space and not after[:1].isspace():
            after = space + after
    isolated = (
        one_span
        and old.strip()
        and new.strip()
        and not brackets.problems(f"[[{old}]]{{}} [[{new}]]{{}}")
        and "\n\n" not in old + new
        and "[[" not in before[-2:] + old + new
    )
    if isolated:
        pair = brackets.alternative(old, []) + " " + brackets.alternative(new, codes)
        return before + pair + after
    whole = brackets.alternative(current, []) + " " + brackets.alternative(proposed, codes)
    if field == "body" and (brackets.problems(whole) or "\n\n" in current + proposed):
        raise ValidationError(
            "This amendment changes the explanatory text in several places or across "
            "paragraphs, so it cannot be held in one bracket. Accept or reject it, or "
            "bracket the disputed passage with “Bracket a passage”."
        )
    if field == "heading" and brackets.problems(whole):
        raise ValidationError(
            "The lead sentence already has brackets; resolve them before accepting "
            "this amendment as an alternative."
        )
    return whole
