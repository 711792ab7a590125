"""The stale-save path shared by the practice and section editors.

A save based on an old revision is never applied silently. The editor view binds
its own form, then asks a ``MergeFlow`` what to do:

1. ``before_save()`` — a post from a merge page: the *choose* page (a choice per
   conflict region) never saves, it answers with the *review* page showing the
   merged text; a post from the review page is checked for colleagues' words it
   would drop without the expert having chosen so. ``None``: go ahead and save.
2. the view saves through the ordinary action, with the revision the text was
   built on; if that is stale, ``on_stale()`` merges three ways and answers with
   the review page (no conflicts) or the choose page (conflicts). ``None``: the
   expert's text is already the current one (a double submit).

The expert's own text is on every one of these pages, in a text field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from django.http import QueryDict
from django.utils.safestring import SafeString

from drafting.forms.merging import MergeStepForm
from drafting.merge import CHOICES, Dropped, Merge, Region, drop_token, merge_saved
from drafting.models import Practice, Section


@dataclass(frozen=True)
class Piece:
    """A stretch of a field on the choose page: merged text, or a conflict region."""

    html: SafeString | None = None
    region: Region | None = None
    number: int = 0
    chosen: str = ""
    problem: str = ""

    def options(self) -> list[tuple[str, str, bool]]:
        """(value, label, checked) for the region's radio buttons."""
        return [(value, label, value == self.chosen) for value, label in CHOICES.items()]


@dataclass(frozen=True)
class FieldView:
    name: str
    label: str
    changed: bool
    pieces: tuple[Piece, ...]
    redline: SafeString


@dataclass
class MergePage:
    """A merge to show instead of saving; the editor template renders it inside its form.

    ``text`` is what the editable fields hold (the expert's own text on the choose
    page, the merged text on the review page) and ``base_revision`` the revision
    that text is based on.
    """

    merge: Merge
    stage: Literal["choose", "review"]
    text: dict[str, str]
    base_revision: int
    mine: dict[str, str]
    choices: dict[str, str] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)
    status: int = 409

    @property
    def fields(self) -> list[FieldView]:
        """What the template shows per field: pieces for the choose page, redline for review."""
        views = []
        number = 0
        for f in self.merge.fields:
            pieces = []
            for region in f.regions:
                if region.kind != "conflict":
                    pieces.append(Piece(html=region.html()))
                    continue
                number += 1
                pieces.append(
                    Piece(
                        region=region,
                        number=number,
                        chosen=self.choices.get(region.key, ""),
                        problem=self.problems.get(region.key, ""),
                    )
                )
            views.append(
                FieldView(f.name, f.label, f.changed, tuple(pieces), f.redline(self.choices))
            )
        return views

    @property
    def conflict_count(self) -> int:
        """How many regions need a choice."""
        return len(self.merge.conflicts)

    @property
    def drop_token(self) -> str:
        """The value of the "I intend to remove …" checkbox for exactly these words."""
        return drop_token(self.dropped)

    @property
    def hidden(self) -> list[tuple[str, object]]:
        """The hidden fields that carry the merge from one page to the next."""
        if self.stage == "choose":
            return [
                ("step", "choose"),
                ("seen_revision", self.merge.theirs_revision),
                ("regions", self.merge.signature),
            ]
        return [
            ("step", "review"),
            ("merge_base", self.merge.base_revision),
            *((f"choice-{key}", value) for key, value in sorted(self.choices.items())),
        ]

    @property
    def mine_fields(self) -> list[tuple[str, str, str]]:
        """(name, label, text) of the expert's own text, carried through the review page."""
        return [(f"mine_{f.name}", f.label, self.mine.get(f.name, "")) for f in self.merge.fields]

    def form_data(self, post: QueryDict) -> dict[str, str]:
        """The editor form's data for this page: what was posted, with this page's text."""
        data = {k: v for k, v in post.dict().items() if not k.startswith(("choice-", "mine_"))}
        return {**data, **self.text, "base_revision": str(self.base_revision)}


class MergeFlow:
    """Decides, for one post of an editor form, whether to save or which merge page to show.

    ``obj`` is the practice or section as fetched for this request, ``texts`` the
    cleaned text fields of the editor form, ``base_revision`` the revision they
    were written from.
    """

    def __init__(
        self,
        post: QueryDict,
        obj: Practice | Section,
        *,
        texts: Mapping[str, str],
        base_revision: int,
    ) -> None:
        self.post = post
        self.obj = obj
        self.texts = dict(texts)
        self.base_revision = base_revision
        self.form = MergeStepForm(post, names=list(self.texts))
        self.valid = self.form.is_valid()

    @property
    def error(self) -> str | None:
        """Why the merge fields of this post cannot be used (shown next to the form)."""
        if self.valid:
            return None
        messages = self.form.non_field_errors()
        if messages:
            return " ".join(messages)
        return (
            "This merge form was altered or is out of date. Your text is kept below; "
            "save it again to compare it with the current text."
        )

    def before_save(self) -> MergePage | None:
        """The page to show instead of saving this post, or None to save it."""
        step = self.form.cleaned_data["step"]
        if step == "choose":
            return self._choose()
        if step == "review":
            return self._review()
        return None

    def on_stale(
        self, current: Practice | Section, *, notes: list[str] | None = None
    ) -> MergePage | None:
        """The merge page for a save refused as stale; None if the text is already current."""
        merge = merge_saved(current, base_revision=self.base_revision, mine=self.texts)
        if merge.theirs_equals_mine:
            return None
        notes = list(notes or [])
        if not merge.base_known:
            notes.append(
                f"Your form refers to revision {self.base_revision}, which is not in the "
                "history, so every difference from the current text is shown as a conflict."
            )
        return _page(merge, mine=self.texts, notes=notes, status=409)

    def _choose(self) -> MergePage | None:
        data = self.form.cleaned_data
        if data["seen_revision"] != self.obj.revision:
            return self.on_stale(
                self.obj,
                notes=[
                    "The text was saved again while you were choosing. "
                    "Here is your text compared with the newest revision."
                ],
            )
        merge = merge_saved(self.obj, base_revision=self.base_revision, mine=self.texts)
        if merge.theirs_equals_mine:
            return None
        if merge.signature != data["regions"]:
            note = "Your text no longer matches the comparison shown, so it was compared again" + (
                ": check the combined text below." if merge.clean else ": choose again below."
            )
            return _page(merge, mine=self.texts, notes=[note], status=422)
        try:
            choices, problems = merge.read_choices(self.post)
        except ValueError as forged:
            return _page(merge, mine=self.texts, notes=[str(forged)], status=422)
        if problems:
            left = len(problems)
            note = (
                f"Choose which text to keep in every region: {left} "
                f"region{'s' if left > 1 else ''} still without a choice. Nothing was saved."
            )
            return _page(
                merge,
                mine=self.texts,
                choices=choices,
                problems=problems,
                notes=[note],
                status=422,
            )
        return _page(merge, mine=self.texts, choices=choices, status=200)

    def _review(self) -> MergePage | None:
        data = self.form.cleaned_data
        merge_base = data["merge_base"]
        if merge_base >= self.base_revision:
            return None  # nothing was merged in: an ordinary save
        mine = self.form.mine or self.texts
        merge = merge_saved(
            self.obj, base_revision=merge_base, mine=mine, theirs_revision=self.base_revision
        )
        try:
            choices, _ = merge.read_choices(self.post)
        except ValueError:
            choices = {}  # nothing was chosen explicitly, so every colleague word counts
        dropped = merge.dropped(choices, self.texts)
        if not dropped or data["confirm_drop"] == drop_token(dropped):
            return None
        by = ", ".join(dict.fromkeys(d.by for d in dropped))
        note = (
            f"Your text removes words that {by} added. Nothing was saved. Put them back, "
            "or tick the box below to confirm that you intend to remove them."
        )
        if data["confirm_drop"]:
            note = "The words your text removes have changed since you confirmed. " + note
        return MergePage(
            merge=merge,
            stage="review",
            text=self.texts,
            base_revision=self.base_revision,
            mine=mine,
            choices=choices,
            notes=[note],
            dropped=dropped,
            status=422,
        )


def _page(
    merge: Merge,
    *,
    mine: dict[str, str],
    choices: Mapping[str, str] | None = None,
    problems: Mapping[str, str] | None = None,
    notes: list[str] | None = None,
    status: int,
) -> MergePage:
    """The review page if every region has a choice (or there are none), else the choose page."""
    choices = dict(choices or {})
    if all(r.key in choices for r in merge.conflicts):
        return MergePage(
            merge=merge,
            stage="review",
            text=merge.resolve(choices),
            base_revision=merge.theirs_revision,
            mine=mine,
            choices=choices,
            notes=list(notes or []),
            status=status,
        )
    return MergePage(
        merge=merge,
        stage="choose",
        text=mine,
        base_revision=merge.base_revision,
        mine=mine,
        choices=choices,
        problems=dict(problems or {}),
        notes=list(notes or []),
        status=status,
    )
