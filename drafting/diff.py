"""Word-level differences between two texts: the redlines every page and export shows.

Texts are compared as Markdown source, token by token (words, punctuation and
whitespace), so a moved comma or an accent change is marked precisely and
French or Arabic words are whole tokens. ``segments()`` is the format-neutral
result; ``redline_html()`` renders it for pages with <ins>/<del>.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_TOKEN = re.compile(r"\w+|\s+|[^\w\s]", re.UNICODE)

Kind = Literal["equal", "insert", "delete"]


@dataclass(frozen=True)
class Segment:
    kind: Kind
    text: str


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text or "")


def segments(old: str, new: str) -> list[Segment]:
    """The changes that turn ``old`` into ``new``, as runs of equal/deleted/inserted text."""
    a, b = tokens(old), tokens(new)
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    out: list[Segment] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            _append(out, "equal", "".join(a[i1:i2]))
        else:
            # A replacement reads best as "deleted words, then inserted words".
            _append(out, "delete", "".join(a[i1:i2]))
            _append(out, "insert", "".join(b[j1:j2]))
    return _absorb_whitespace(out)


def _append(out: list[Segment], kind: Kind, text: str) -> None:
    if not text:
        return
    if out and out[-1].kind == kind:
        out[-1] = Segment(kind, out[-1].text + text)
    else:
        out.append(Segment(kind, text))


def _absorb_whitespace(segs: list[Segment]) -> list[Segment]:
    """Fold a lone space between two changes into both, so "a b" -> "c d" is one change."""
    result: list[Segment] = []
    i = 0
    while i < len(segs):
        seg = segs[i]
        between_changes = (
            seg.kind == "equal"
            and seg.text.isspace()
            and 0 < i < len(segs) - 1
            and segs[i - 1].kind != "equal"
            and segs[i + 1].kind != "equal"
        )
        if between_changes:
            _merge_into(result, "delete", seg.text)
            _merge_into(result, "insert", seg.text)
        else:
            _merge_into(result, seg.kind, seg.text)
        i += 1
    return _regroup(result)


def _merge_into(out: list[Segment], kind: Kind, text: str) -> None:
    _append(out, kind, text)


def _regroup(segs: list[Segment]) -> list[Segment]:
    """Within each run of changes, put all deletions before all insertions."""
    out: list[Segment] = []
    run_del, run_ins = "", ""
    for seg in segs:
        if seg.kind == "delete":
            run_del += seg.text
        elif seg.kind == "insert":
            run_ins += seg.text
        else:
            _append(out, "delete", run_del)
            _append(out, "insert", run_ins)
            run_del = run_ins = ""
            _append(out, "equal", seg.text)
    _append(out, "delete", run_del)
    _append(out, "insert", run_ins)
    return out


def has_changes(old: str, new: str) -> bool:
    return (old or "") != (new or "")


def redline_html(old: str, new: str) -> SafeString:
    """HTML with <del> and <ins> marking the changes; every piece of text is escaped."""
    parts = []
    for seg in segments(old, new):
        text = escape(seg.text)
        if seg.kind == "insert":
            parts.append(f"<ins>{text}</ins>")
        elif seg.kind == "delete":
            parts.append(f"<del>{text}</del>")
        else:
            parts.append(text)
    return mark_safe("".join(parts))  # noqa: S308  (all text escaped above)
