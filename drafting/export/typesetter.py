"""Typst typesetting with its fallbacks, importable without Django: the PDF child process.

A Typst compiler keeps fonts and layout caches for the life of its process
(1.5-2 GB for a large redline), so the web process never typesets: ``pdf.py``
builds a ``Plan`` (pure strings) from the database and hands it to a child
process running this file as a script (``python -I typesetter.py``), which
typesets it, writes the PDF to standard output and exits, giving every byte
back. The child lowers its CPU priority first, so page views in the web
processes go ahead of it, and the parent stops it after a time limit.

This module imports only the standard library and ``typst``: run as a script it
must not import the ``drafting`` package (which needs Django settings).

Fallbacks (why a plan holds every text twice): should the compiler refuse the
document, each text is tried on its own and the ones that fail are typeset as
plain text with a note, so one bad practice cannot take the document's PDF down.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import logging
import os
import resource
import signal
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import typst

log = logging.getLogger("drafting.export.pdf")


class TypesetError(RuntimeError):
    """The PDF could not be produced; the message says why in plain words."""


@dataclass
class Piece:
    """One text of the document (intro, a section, a practice) in both its forms."""

    key: str
    rich: str  # formatted Typst source
    plain: str  # the same text unformatted, the last resort


@dataclass
class Plan:
    """Everything needed to typeset one document, as strings (no database, no Django)."""

    name: str  # for log lines: the document's slug
    preamble: str  # page set-up; typesets a piece on its own
    head: str  # preamble + cover + contents
    pieces: list[Piece] = field(default_factory=list)
    font_paths: list[str] = field(default_factory=list)

    def source(self, plain: Callable[[str], bool] = lambda key: False) -> str:
        return self.head + "".join(p.plain if plain(p.key) else p.rich for p in self.pieces)

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, data: str) -> Plan:
        raw = json.loads(data)
        raw["pieces"] = [Piece(**p) for p in raw["pieces"]]
        return cls(**raw)


def typeset(plan: Plan) -> bytes:
    """The PDF of ``plan``, formatted where the compiler allows and plain where it does not.

    Raises TypesetError only if even the all-plain document is refused.
    """
    pdf = _try_compile(plan.source(), plan.name, plan.font_paths)
    if pdf is not None:
        return pdf
    failing = {
        p.key
        for p in plan.pieces
        if _try_compile(plan.preamble + p.rich, f"{plan.name}, text {p.key}", plan.font_paths)
        is None
    }
    log.error("PDF of %s: typesetting as plain text: %s", plan.name, ", ".join(failing) or "none")
    pdf = _try_compile(
        plan.source(failing.__contains__), f"{plan.name} (plain where it failed)", plan.font_paths
    )
    if pdf is not None:
        return pdf
    log.error("PDF of %s: typesetting every text as plain text", plan.name)
    pdf = _try_compile(plan.source(lambda key: True), f"{plan.name} (all plain)", plan.font_paths)
    if pdf is None:
        raise TypesetError("The typesetter refused even the plain text of this document.")
    return pdf


def _try_compile(src: str, what: str, font_paths: list[str]) -> bytes | None:
    """``src`` typeset, or None (logged) if the compiler refuses it."""
    import typst  # here, not at start-up: web workers and commands that make no PDF never load it

    try:
        return compile_source(src, font_paths=font_paths)
    except typst.TypstError as error:
        log.error("PDF of %s could not be typeset: %s", what, error)
    except BaseException as error:
        # pyo3 turns a panic of the Rust compiler into PanicException, a BaseException.
        if type(error).__name__ != "PanicException":
            raise
        log.error("PDF of %s crashed the typesetter: %s", what, error)
    return None


@cache
def _sandbox() -> str:
    """An empty directory: the compiler's root and package paths, so nothing can be read."""
    return tempfile.mkdtemp(prefix="drafting-typst-")


_compiler_lock = threading.Lock()


@cache
def _compiler(font_paths: tuple[str, ...]) -> typst.Compiler:
    import typst

    sandbox = _sandbox()
    return typst.Compiler(
        root=sandbox,
        font_paths=list(font_paths),
        ignore_system_fonts=True,
        package_path=sandbox,
        package_cache_path=sandbox,
    )


def compile_source(
    src: str, *, font_paths: list[str], format: str = "pdf", ppi: float | None = None
):
    """Typeset Typst source in this process; one compiler per process keeps fonts warm."""
    with _compiler_lock:
        return _compiler(tuple(font_paths)).compile(input=src.encode(), format=format, ppi=ppi)


def _die_with_parent() -> None:
    """Ask Linux to kill this process when the process that started it dies, so a
    killed web worker leaves no typesetting behind it (uncounted by the job queue).
    Elsewhere (no prctl) the CPU limit still ends it."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the parent died before the request took effect
        os._exit(3)


_PR_SET_PDEATHSIG = 1


def main() -> int:
    """Child entry point: a Plan as JSON on stdin -> the PDF on stdout; errors on stderr.

    ``argv[1]`` is the niceness increment (0: none), ``argv[2]`` the CPU seconds the
    child may use (0: no limit). Exit status 0 with the PDF, 2 when the typesetter
    refused the document (message on stderr).
    """
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="%(message)s")
    niceness = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    cpu_seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    _die_with_parent()
    if cpu_seconds:
        # The parent's deadline holds only while the parent lives; this one holds anyway.
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))
    if niceness:
        os.nice(niceness)  # page views first: the site must not wait for a PDF
    plan = Plan.from_json(sys.stdin.buffer.read().decode())
    try:
        pdf = typeset(plan)
    except TypesetError as error:
        sys.stderr.write(f"{error}\n")
        return 2
    sys.stdout.buffer.write(pdf)
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
