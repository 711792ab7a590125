"""Tracked changes in a Word file: accept, reject, or apply one author's changes only.

pandoc's ``--track-changes=all`` marks each insertion and deletion as a span
with class ``insertion`` or ``deletion`` and an ``author`` attribute, and the
paragraph marks they touch as ``paragraph-insertion``/``paragraph-deletion``.
Resolving them here, on the AST, gives any mix of decisions from one pandoc
run: "accept all", "reject all", or "this delegation's changes only" (which is
how a delegation's changes become its amendment). Comment spans are left in
place: the structure reader attaches them to the practice they sit in.
"""

from __future__ import annotations

from collections.abc import Callable

CHANGE_CLASSES = {"insertion", "deletion"}
_MARKS = {"paragraph-insertion", "paragraph-deletion"}

# keep(kind, author) -> True when that change is applied ("accepted").
Decision = Callable[[str, str], bool]


def _span_info(node: dict) -> tuple[str, str] | None:
    """(class, author) of a tracked-change span, else None."""
    if node.get("t") != "Span":
        return None
    attr = node["c"][0]
    classes = attr[1]
    for cls in classes:
        if cls in CHANGE_CLASSES or cls in _MARKS:
            return cls, dict(attr[2]).get("author", "")
    return None


def _resolve(obj, decide: Decision):
    if isinstance(obj, list):
        out = []
        for item in obj:
            info = _span_info(item) if isinstance(item, dict) else None
            if info is None:
                out.append(_resolve(item, decide))
                continue
            cls, author = info
            if cls in _MARKS:
                continue
            applied = decide(cls, author)
            # An applied insertion or a refused deletion keeps its text.
            if (cls == "insertion") == applied:
                out.extend(_resolve(item["c"][1], decide))
        return out
    if isinstance(obj, dict):
        return {k: _resolve(v, decide) for k, v in obj.items()}
    return obj


def resolve(ast: dict, decide: Decision) -> dict:
    """A copy of ``ast`` with every tracked change applied or refused as ``decide`` says.

    The copy shares only strings with ``ast`` (every list and dict is rebuilt), so
    ``ast`` can be resolved again another way.
    """
    return _resolve(ast, decide)


def accept_all(ast: dict) -> dict:
    """The text as after Word's *Accept all changes*."""
    return resolve(ast, lambda kind, author: True)


def reject_all(ast: dict) -> dict:
    """The text as after Word's *Reject all changes* (the text the changes were made to)."""
    return resolve(ast, lambda kind, author: False)


def only(ast: dict, author: str) -> dict:
    """The text with ``author``'s changes applied and everyone else's refused."""
    return resolve(ast, lambda kind, who: who == author)


def authors(ast: dict) -> list[str]:
    """Names of everyone with a tracked change in the file, in order of first change."""
    found: list[str] = []

    def walk(obj) -> None:
        if isinstance(obj, dict):
            info = _span_info(obj)
            if info and info[0] in CHANGE_CLASSES and info[1] not in found:
                found.append(info[1])
            for v in obj.values():
                walk(v)
        elif isinstance(obj, list):
            for v in obj:
                walk(v)

    walk(ast.get("blocks", []))
    return found


def has_changes(pandoc_json: str) -> bool:
    """Whether pandoc's JSON output carries any tracked change: a quick look before a walk."""
    return any(f'"{cls}"' in pandoc_json for cls in CHANGE_CLASSES | _MARKS)
