"""Writes to the draft's structure and text: one function per change.

Each function checks permission, changes the data and stamps history with who
and why. Workflow transitions (review, approval, adoption) live in workflow.py."""

from __future__ import annotations

from drafting import permissions
from drafting.history import stamp
from drafting.models import (
    Practice,
    Section,
)


class StaleRevision(Exception):
    """A save was based on a revision that is no longer current."""

    def __init__(self, current: Practice | Section):
        super().__init__(
            f"{current} changed since you started editing (now revision {current.revision})."
        )
        self.current = current


def _require_edit(by, section: Section) -> None:
    reason = permissions.why_cannot_edit_section(by, section)
    permissions.refuse_if(reason)


def _record(obj, *, by, summary: str, reason: str, meeting=None):
    stamp(obj, by=by, reason=f"{summary} {reason.strip()}".strip(), meeting=meeting)
    obj.save()
    return obj
