"""Three-way merges of concurrent edits, word by word, with who wrote what.

When an expert saves text based on a revision that is no longer current, the
change they made (base -> *mine*) and the changes colleagues saved meanwhile
(base -> *theirs*) are merged with Breezy's ``merge3`` over the word tokens of
``diff.tokens()``. Changes that do not touch the same words combine; changes
that do are *conflict regions*, each named ``<field>-<n>`` (``body-0``), for
which the expert chooses the colleague's words, their own, or both.

Nothing here saves anything: the views show the result and the expert's
choices go through the ordinary ``update_practice``/``update_section`` with the
revision they were shown, so a third concurrent save is again refused.

Every region remembers the base, theirs and mine text it covers, so joining the
regions with any choices gives the whole text back: nothing is lost or invented.
The colleague's side of each region is attributed to the author(s) of the
revisions that wrote those words (``history.author_of``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Literal

from django.db.models import Model
from django.utils.html import escape
from django.utils.safestring import SafeString
from merge3 import Merge3

from drafting import diff, text
from drafting.history import Author, author_of
from drafting.models import Practice, Section

Choice = Literal["theirs", "mine", "both"]
CHOICES: dict[str, str] = {
    "theirs": "Keep their text",
    "mine": "Keep my text",
    "both": "Keep both (theirs first)",
}
RegionKind = Literal["unchanged", "theirs", "mine", "same", "conflict"]

# Walking more revisions than this to attribute each word is not worth its cost;
# beyond it every colleague region names all the authors of the revisions between.
_BLAME_LIMIT = 50

PRACTICE_FIELDS = (("heading", "Heading"), ("body", "Text"))
SECTION_FIELDS = (("title", "Title"), ("introduction", "Introduction"))


class _Matcher(SequenceMatcher):
    """difflib's matcher without the "popular element" heuristic.

    With it, frequent words ("the ", "of ") in a long text are treated as junk
    and can only match next to other words, which splits merges oddly.
    """

    def __init__(self, isjunk=None, a=(), b=(), autojunk: bool = False) -> None:
        super().__init__(isjunk, a, b, autojunk=False)


def words(source: str) -> list[str]:
    """The merge units of ``source``: ``diff.tokens()`` with each run of whitespace joined
    to the token after it (trailing whitespace to the last one).

    ``"".join(words(s)) == s``. Spaces are never merged on their own, and a
    sentence added at the end of a paragraph leaves the words before it untouched.
    """
    out: list[str] = []
    pending = ""
    for token in diff.tokens(source or ""):
        if token.isspace():
            pending += token
        else:
            out.append(pending + token)
            pending = ""
    if pending:
        if out:
            out[-1] += pending
        else:
            out.append(pending)
    return out


def _join_both(theirs: str, mine: str) -> str:
    """Both versions, theirs first, with a space between if neither side brings one."""
    if theirs and mine and not theirs[-1].isspace() and not mine[0].isspace():
        return f"{theirs} {mine}"
    return theirs + mine


@dataclass(frozen=True)
class Region:
    """A stretch of one field: unchanged, changed on one side or both, or in conflict.

    ``key`` (``"body-0"``) names conflict regions; ``authors`` are who wrote the
    colleague's side (empty for regions the colleague did not change).
    """

    kind: RegionKind
    base: str
    theirs: str
    mine: str
    key: str = ""
    authors: tuple[Author, ...] = ()
    # Where the colleague's side lies in ``words(theirs)``: [start, end).
    span: tuple[int, int] = (0, 0)

    def text(self, choice: str | None = None) -> str:
        """The merged text of this region; conflicts need ``choice`` (ValueError otherwise)."""
        if self.kind == "unchanged":
            return self.base
        if self.kind == "theirs":
            return self.theirs
        if self.kind in ("mine", "same"):
            return self.mine
        if choice == "theirs":
            return self.theirs
        if choice == "mine":
            return self.mine
        if choice == "both":
            return _join_both(self.theirs, self.mine)
        raise ValueError(f"Region {self.key} needs a choice: theirs, mine or both.")

    @property
    def by(self) -> str:
        """The colleague(s) who wrote this region's other side, for labels."""
        return _names(self.authors)

    @property
    def their_action(self) -> str:
        """ "added", "removed" or "changed": what the colleague did to the base here."""
        kinds = {seg.kind for seg in diff.segments(self.base, self.theirs)} - {"equal"}
        if kinds == {"insert"}:
            return "added"
        if kinds == {"delete"}:
            return "removed"
        return "changed"

    def markup(self, choice: str | None = None) -> str:
        """Escaped HTML of this region's merged text, each change marked with whose it is."""
        if self.kind == "unchanged":
            return escape(self.base)
        if self.kind == "theirs":
            return _marked(self.base, self.theirs, "theirs", self.by)
        if self.kind == "mine":
            return _marked(self.base, self.mine, "mine", "you")
        if self.kind == "same":
            return _marked(self.base, self.mine, "same", f"you and {self.by}")
        if choice == "mine":
            return _marked(self.base, self.mine, "mine", "you")
        html = _marked(self.base, self.theirs, "theirs", self.by)
        if choice == "both":
            html += _marked("", self.text("both")[len(self.theirs) :], "mine", "you")
        return html

    def html(self, choice: str | None = None) -> SafeString:
        """``markup()`` as safe HTML, through the one sanitiser."""
        return text.markup(self.markup(choice))

    def theirs_html(self) -> SafeString:
        """The colleague's version of this region, their changes from the base marked."""
        return text.markup(_marked(self.base, self.theirs, "theirs", self.by))

    def mine_html(self) -> SafeString:
        """The expert's own version of this region, their changes from the base marked."""
        return text.markup(_marked(self.base, self.mine, "mine", "you"))


@dataclass(frozen=True)
class FieldMerge:
    """One text field (a heading, a body) merged three ways."""

    name: str
    label: str
    base: str
    theirs: str
    mine: str
    regions: tuple[Region, ...]
    # Who wrote each of ``words(theirs)`` since the base (empty when not known).
    blame: Blame = field(default_factory=lambda: Blame(), repr=False)
    # Everyone who saved a revision since the base: named where ``blame`` names nobody.
    authors: tuple[Author, ...] = ()

    @property
    def conflicts(self) -> list[Region]:
        """This field's regions that need a choice, in order."""
        return [r for r in self.regions if r.kind == "conflict"]

    @property
    def changed(self) -> bool:
        """Whether either side changed this field since the base."""
        return any(r.kind != "unchanged" for r in self.regions)

    def text(self, choices: Mapping[str, str] | None = None) -> str:
        """The merged field; ValueError if a conflict region has no valid choice."""
        choices = choices or {}
        return "".join(r.text(choices.get(r.key)) for r in self.regions)

    def redline(self, choices: Mapping[str, str] | None = None) -> SafeString:
        """The merged field as HTML: colleagues' changes and the expert's own in distinct marks.

        Conflict regions without a choice show the colleague's version (the page
        that asks for the choices shows them separately).
        """
        choices = choices or {}
        return text.markup("".join(r.markup(choices.get(r.key)) for r in self.regions))

    def dropped(self, choices: Mapping[str, str], final: str) -> list[Dropped]:
        """Words colleagues added since the base that ``final`` lacks, unless declined.

        A colleague's words are declined explicitly when the expert chose their own
        text for the conflict region holding them (``choices``: region key -> choice).
        """
        theirs_w = words(self.theirs)
        # Compared without their spacing: a word kept on a new line is still kept.
        keys = [w.strip() for w in theirs_w]
        declined = {
            i
            for r in self.regions
            if r.kind == "conflict" and choices.get(r.key) == "mine"
            for i in range(*r.span)
        }
        required = _unmatched(_keys(self.base), keys) - declined
        final_keys = _keys(final)
        lost = sorted(required & _unmatched(final_keys, keys))
        runs: list[list[int]] = []
        for index in lost:
            if runs and runs[-1][-1] == index - 1:
                runs[-1].append(index)
            else:
                runs.append([index])
        out = []
        for run in runs:
            chunk = "".join(theirs_w[i] for i in run).strip()
            if not chunk or _moved([keys[i] for i in run], final_keys):
                continue
            who = tuple(sorted(self.blame.of(run[0], run[-1] + 1), key=str)) or self.authors
            out.append(Dropped(self.name, chunk, who))
        return out


@dataclass(frozen=True)
class Dropped:
    """A run of a colleague's words that a save would remove."""

    field: str
    words: str
    authors: tuple[Author, ...]

    @property
    def by(self) -> str:
        """Who added the words, for the confirmation message."""
        return _names(self.authors)


@dataclass(frozen=True)
class Merge:
    """A stale save merged with what was saved since: one FieldMerge per text field.

    ``base_known`` is False when the revision the expert started from is not in
    the history (a forged or damaged form): the base is then empty, so every
    difference is a conflict and nothing of the current text is dropped silently.
    """

    fields: tuple[FieldMerge, ...]
    base_revision: int
    theirs_revision: int
    base_known: bool = True
    # (revision, who wrote it) for each revision after the base, oldest first.
    revisions: tuple[tuple[int, Author], ...] = ()

    @property
    def clean(self) -> bool:
        """Whether the edits combine without any choice to make."""
        return not self.conflicts

    @property
    def conflicts(self) -> list[Region]:
        """Every region that needs a choice, field by field."""
        return [r for f in self.fields for r in f.conflicts]

    @property
    def authors(self) -> tuple[Author, ...]:
        """Everyone who saved a revision since the base, in order, once each."""
        return tuple(dict.fromkeys(a for _, a in self.revisions))

    @property
    def by(self) -> str:
        """Everyone who saved since the base, for headings: "A (X) and B (Y)"."""
        return _names(self.authors)

    @property
    def theirs_equals_mine(self) -> bool:
        """The expert's text is already the current one (a double submit, or the same edit)."""
        return all(f.theirs == f.mine for f in self.fields)

    @property
    def signature(self) -> str:
        """Identifies the conflict regions, so choices are applied only to the regions shown."""
        regions = [(r.key, r.base, r.theirs, r.mine) for r in self.conflicts]
        payload = json.dumps([self.base_revision, self.theirs_revision, regions])
        return hashlib.sha256(payload.encode()).hexdigest()[:20]

    def read_choices(self, posted: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str]]:
        """Pick the region choices out of posted form data (``choice-<key>`` fields).

        Returns ``(choices, problems)``: valid choices by region key, and a message
        by region key for each region without a valid choice. Raises ValueError
        naming any posted region that this merge does not have.
        """
        keys = {r.key for r in self.conflicts}
        unknown = sorted(
            name for name in posted if name.startswith("choice-") and name[7:] not in keys
        )
        if unknown:
            raise ValueError(
                "This form names conflict regions that do not exist here "
                f"({', '.join(u[:40] for u in unknown[:5])}). Nothing was saved; "
                "choose again below."
            )
        choices, problems = {}, {}
        for key in sorted(keys):
            value = posted.get(f"choice-{key}", "")
            if value in CHOICES:
                choices[key] = value
            elif value:
                problems[key] = "That is not one of the choices: choose one of the three."
            else:
                problems[key] = "Choose which text to keep here."
        return choices, problems

    def resolve(self, choices: Mapping[str, str]) -> dict[str, str]:
        """The merged text of every field; ValueError if a region has no valid choice."""
        return {f.name: f.text(choices) for f in self.fields}

    def dropped(self, choices: Mapping[str, str], final: Mapping[str, str]) -> list[Dropped]:
        """Colleagues' words missing from ``final`` that no choice in ``choices`` declined."""
        return [d for f in self.fields for d in f.dropped(choices, final.get(f.name, ""))]

    def field(self, name: str) -> FieldMerge:
        """The merge of one field by name (StopIteration if there is none)."""
        return next(f for f in self.fields if f.name == name)


def drop_token(dropped: Sequence[Dropped]) -> str:
    """What a "I intend to remove these words" checkbox confirms: exactly this list."""
    payload = json.dumps([(d.field, d.words) for d in dropped])
    return hashlib.sha256(payload.encode()).hexdigest()[:20]


# --- Merging texts --------------------------------------------------------------------------


def merge_text(
    base: str,
    theirs: str,
    mine: str,
    *,
    name: str = "text",
    label: str = "Text",
    blame: Blame | None = None,
    fallback_authors: tuple[Author, ...] = (),
) -> FieldMerge:
    """Merge one field three ways at word level.

    ``blame`` says who wrote each of ``words(theirs)`` since the base (see
    ``blame()``); regions it names nobody for are attributed to ``fallback_authors``
    (everyone who saved a revision since the base).
    """
    base_w, theirs_w, mine_w = words(base), words(theirs), words(mine)
    if blame is None or len(blame.words) != len(theirs_w):
        blame = Blame()
    merger = Merge3(base_w, theirs_w, mine_w, sequence_matcher=_Matcher)
    raw = list(merger.merge_regions())
    regions: list[Region] = []
    conflicts = 0

    def add(kind: str, z0: int, z1: int, a0: int, a1: int, b0: int, b1: int) -> None:
        """One region from word ranges of base, theirs and mine (merge3's kinds)."""
        nonlocal conflicts
        base_s, theirs_s, mine_s = (
            "".join(base_w[z0:z1]),
            "".join(theirs_w[a0:a1]),
            "".join(mine_w[b0:b1]),
        )
        found = blame.of(a0, a1)
        authors = tuple(sorted(found, key=str)) if found else fallback_authors
        if kind == "unchanged":
            regions.append(Region("unchanged", base_s, theirs_s, mine_s, span=(a0, a1)))
        elif kind == "conflict":
            key = f"{name}-{conflicts}"
            regions.append(Region("conflict", base_s, theirs_s, mine_s, key, authors, (a0, a1)))
            conflicts += 1
        elif kind == "b":
            regions.append(Region("mine", base_s, theirs_s, mine_s, span=(a0, a1)))
        else:
            ours = "theirs" if kind == "a" else "same"
            regions.append(Region(ours, base_s, theirs_s, mine_s, authors=authors, span=(a0, a1)))

    z = a = b = 0  # cursors into base, theirs, mine
    for index, region in enumerate(raw):
        kind = region[0]
        if kind == "unchanged":
            z0, z1 = region[1], region[2]
            if z0 > z:  # merge3 skips words both sides deleted; keep them, as deleted
                add("same", z, z0, a, a, b, b)
            add("unchanged", z0, z1, a, a + z1 - z0, b, b + z1 - z0)
            a, b, z = a + z1 - z0, b + z1 - z0, z1
            continue
        if kind == "conflict":
            _, z0, z1, a0, a1, b0, b1 = region
        else:
            # merge3 gives only the changed side's range; the base range runs to the
            # next unchanged region, and the unchanged side equals the base there.
            z0, a0, b0 = z, a, b
            z1 = next((r[1] for r in raw[index + 1 :] if r[0] == "unchanged"), len(base_w))
            if kind == "a":
                a1, b1 = region[2], b + z1 - z0
            elif kind == "b":
                a1, b1 = a + z1 - z0, region[2]
            else:  # "same": both sides made the same change
                a1, b1 = region[2], b + region[2] - region[1]
        add(kind, z0, z1, a0, a1, b0, b1)
        z, a, b = z1, a1, b1
    if z < len(base_w):
        add("same", z, len(base_w), a, a, b, b)
    return FieldMerge(
        name, label, base or "", theirs or "", mine or "", tuple(regions), blame, fallback_authors
    )


def _moved(run: list[str], final: list[str]) -> bool:
    """Whether a run of three or more words appears whole elsewhere in ``final`` (moved).

    Shorter runs ("not", "should") are not looked for elsewhere: they occur
    everywhere, and dropping one can reverse a sentence's meaning.
    """
    run = [k for k in run if k]
    if len(run) < 3:
        return False
    sep = "\x00"
    return f"{sep}{sep.join(run)}{sep}" in f"{sep}{sep.join(final)}{sep}"


def _keys(source: str) -> list[str]:
    return [w.strip() for w in words(source)]


def _unmatched(old: list[str], new: list[str]) -> set[int]:
    """Indices of ``new`` that a word diff from ``old`` shows as inserted."""
    matcher = _Matcher(None, old, new)
    matched = {j for _, j, n in matcher.get_matching_blocks() for j in range(j, j + n)}
    return set(range(len(new))) - matched


def _marked(old: str, new: str, side: str, by: str) -> str:
    """Escaped HTML of ``old`` -> ``new`` with <ins>/<del> classed by whose change it is."""
    parts = []
    for seg in diff.segments(old, new):
        chunk = escape(seg.text)
        if seg.kind == "equal":
            parts.append(chunk)
        else:
            tag, verb = ("ins", "added") if seg.kind == "insert" else ("del", "removed")
            parts.append(f'<{tag} class="{side}" title="{verb} by {escape(by)}">{chunk}</{tag}>')
    return "".join(parts)


def _names(authors: Iterable[Author]) -> str:
    names = [str(a) for a in authors]
    if not names:
        return "a colleague"
    if len(names) == 1:
        return names[0]
    return f"{', '.join(names[:-1])} and {names[-1]}"


# --- Attribution: who wrote each word since the base -----------------------------------------


@dataclass(frozen=True)
class Blame:
    """Who wrote what since the base, for the words of the colleague's text.

    ``words[i]``: who inserted word ``i`` (empty if the base had it already);
    ``gaps[i]``: who deleted something just before word ``i`` (``gaps[len(words)]``:
    at the end), so a region that only removed words still names who removed them.
    """

    words: tuple[frozenset[Author], ...] = ()
    gaps: tuple[frozenset[Author], ...] = ()

    def of(self, start: int, end: int) -> set[Author]:
        """Everyone who inserted words ``start:end`` or deleted words among them."""
        found: set[Author] = set()
        for owners in self.words[start:end] + self.gaps[start : end + 1]:
            found |= owners
        return found


def blame(texts: Sequence[tuple[str, Author]]) -> Blame:
    """Attribute each word of the last of ``texts`` to the revision that wrote it.

    ``texts`` is the base text (its author is ignored), then each later revision's
    text with who saved it, oldest first.
    """
    current = words(texts[0][0])
    owners: list[frozenset[Author]] = [frozenset()] * len(current)
    gaps: list[frozenset[Author]] = [frozenset()] * (len(current) + 1)
    for source, author in texts[1:]:
        new = words(source)
        new_owners: list[frozenset[Author]] = [frozenset()] * len(new)
        new_gaps: list[set[Author]] = [set() for _ in range(len(new) + 1)]
        for op, i1, i2, j1, j2 in _Matcher(None, current, new).get_opcodes():
            if op == "equal":
                new_owners[j1:j2] = owners[i1:i2]
                for k in range(i2 - i1 + 1):
                    new_gaps[j1 + k] |= gaps[i1 + k]
            elif op == "delete":
                new_gaps[j1].add(author)
            else:  # insert or replace: the new words are this revision's
                new_owners[j1:j2] = [frozenset({author})] * (j2 - j1)
        current, owners, gaps = new, new_owners, [frozenset(g) for g in new_gaps]
    return Blame(tuple(owners), tuple(gaps))


def _history_texts(
    model: type[Model],
    pk: int,
    names: Sequence[str],
    *,
    base_revision: int,
    theirs_revision: int,
) -> tuple[dict[str, str] | None, list[tuple[int, dict[str, str], Author]]]:
    """The text at ``base_revision`` (None if the history has no such revision) and each
    later revision up to ``theirs_revision``: (revision, texts, who wrote it), in one query.
    """
    if base_revision > theirs_revision:
        return None, []
    rows = (
        model.history.filter(id=pk, revision__gte=base_revision, revision__lte=theirs_revision)
        .select_related("history_user__profile__delegation")
        .order_by("revision", "history_id")
    )
    base: dict[str, str] | None = None
    later: dict[int, tuple[int, dict[str, str], Author]] = {}
    for row in rows:
        texts = {n: getattr(row, n) or "" for n in names}
        if row.revision == base_revision:
            base = texts  # the last row of a revision holds its text (moves keep it)
        elif row.revision not in later:
            # The first row of a revision is the one that wrote its text.
            later[row.revision] = (row.revision, texts, author_of(row))
    return base, list(later.values())


def merge_saved(
    obj: Practice | Section,
    *,
    base_revision: int,
    mine: Mapping[str, str],
    theirs_revision: int | None = None,
) -> Merge:
    """Merge the expert's ``mine`` texts, written from ``base_revision`` of ``obj``, with
    ``theirs_revision`` (default: the current text of ``obj``), reading the history once.

    ``obj`` is a Practice (heading and body) or a Section (title and introduction),
    as fetched now. Never raises for an unknown ``base_revision``: the merge then
    has ``base_known=False`` and an empty base.
    """
    fields = PRACTICE_FIELDS if isinstance(obj, Practice) else SECTION_FIELDS
    names = [n for n, _ in fields]
    current_texts = {n: getattr(obj, n) or "" for n in names}
    theirs_revision = obj.revision if theirs_revision is None else theirs_revision
    base, later = _history_texts(
        type(obj),
        obj.pk,
        names,
        base_revision=base_revision,
        theirs_revision=theirs_revision,
    )
    if theirs_revision == obj.revision:
        theirs = current_texts
    elif later and later[-1][0] == theirs_revision:
        theirs = later[-1][1]
    elif base is not None and base_revision == theirs_revision:
        theirs = base
    else:
        theirs = current_texts  # not in history: compare with what is saved now
        theirs_revision = obj.revision
    revisions = tuple((rev, who) for rev, _, who in later)
    authors = tuple(dict.fromkeys(who for _, who in revisions))
    merged = []
    for name, label in fields:
        who_wrote = None
        if base is not None and len(later) <= _BLAME_LIMIT:
            steps = [(base[name], Author("", ""))] + [(t[name], who) for _, t, who in later]
            if steps[-1][0] == theirs[name]:
                who_wrote = blame(steps)
        merged.append(
            merge_text(
                base[name] if base is not None else "",
                theirs[name],
                mine.get(name, ""),
                name=name,
                label=label,
                blame=who_wrote,
                fallback_authors=authors,
            )
        )
    return Merge(
        fields=tuple(merged),
        base_revision=base_revision,
        theirs_revision=theirs_revision,
        base_known=base is not None,
        revisions=revisions,
    )
