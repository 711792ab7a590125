"""Every URL of the application, filled in with real objects: for tests that must cover all pages.

``routes()`` walks the URL configuration (the admin excepted: it is Django's),
so a page added tomorrow is covered without editing a list. ``demo_world()``
loads the demo forum and adds what it lacks (an amendment, a comment), and
``urls(world)`` fills each route's parameters with those objects; ``adopt(world)``
takes the demo document to adoption, for walks of a published document. A route whose
parameter cannot be filled fails loudly, naming the route, rather than being
skipped: extend ``MODEL_FOR_SEGMENT`` or ``PARAM_VALUES`` below.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from drafting import actions, brackets
from drafting.demo import content
from drafting.demo.loader import load_demo
from drafting.history import stamp
from drafting.models import (
    AdoptionPackage,
    AdoptionPackageFile,
    Amendment,
    Comment,
    CommentPeriod,
    Delegation,
    Deletion,
    Document,
    Position,
    Practice,
    ReviewMeeting,
    Section,
    SilenceProcedure,
    Version,
    WorkingGroup,
)
from tests.conftest import NOT_AGREED, clock

User = get_user_model()

# The path segment before an integer parameter names the model it identifies.
MODEL_FOR_SEGMENT = {
    "documents": Document,
    "sections": Section,
    "practices": Practice,
    "meetings": ReviewMeeting,
    "amendments": Amendment,
    "comments": Comment,
    "deletions": Deletion,
    "versions": Version,
    "delegations": Delegation,
    "working-groups": WorkingGroup,
    "groups": WorkingGroup,
    "positions": Position,
    "people": User,
    "packages": AdoptionPackage,
    "silence": SilenceProcedure,  # silence procedure (issue 15)
    "periods": CommentPeriod,  # comment periods (issue 15)
}


def _formats() -> list[str]:
    from drafting import export

    return sorted(export.FORMATS)


def _export_job_tokens() -> list[str]:
    """An export job of the secretariat's, so the walk covers the job page and its file."""
    from drafting.actions import exports as job_actions
    from drafting.history import points
    from drafting.models import ExportJob

    job = ExportJob.objects.order_by("pk").first()
    if job is None:
        job = job_actions.start_job(
            Document.objects.get(slug=content.DOCUMENT["slug"]),
            "pdf",
            points.NOW,
            redline_from=None,
            by=User.objects.get(username="secretariat"),
            source_url="/",
            label="PDF of the current text",
            practices=0,
        )
    return [job.token]


# Parameters that are not object ids, by name: every value worth visiting.
# An import's token names an upload waiting in the session; the walk has none (a 404 page;
# tests/test_import_views.py checks the preview page under the policy). An export job's
# token is a real job of the secretariat's, so the walk covers the job page and its file.
PARAM_VALUES = {"fmt": _formats, "token": lambda: ["not-waiting", *_export_job_tokens()]}
# The same, where one route takes other values than the rest.
ROUTE_PARAM_VALUES = {
    ("drafting:position-export", "fmt"): lambda: ["csv", "docx"],
    # Comment periods (issue 15): who may download; the PDFs are tests/test_comment_periods.py's.
    ("drafting:period-compilation-export", "fmt"): lambda: ["docx"],
    ("drafting:period-dispositions-export", "fmt"): lambda: ["docx"],
    # An e-mailed set-password link that is not (or no longer) valid: the page says so.
    ("password-reset-confirm", "uidb64"): lambda: ["MQ"],
    ("password-reset-confirm", "token"): lambda: ["forged-token"],
}
# Routes with these parameters answer with files to download, not pages.
DOWNLOAD_PARAMS = {"fmt"}


@dataclass(frozen=True)
class Route:
    name: str  # "drafting:practice-edit"
    pattern: str  # "practices/<int:pk>/edit/"
    params: tuple[str, ...]


def routes() -> list[Route]:
    found: list[Route] = []

    def walk(patterns, prefix: str, namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                if getattr(p, "app_name", None) == "admin" or str(p.pattern) == "admin/":
                    continue
                ns = f"{p.namespace}:" if p.namespace else namespace
                walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern) and p.name:
                params = tuple(p.pattern.converters)
                found.append(Route(namespace + p.name, prefix + str(p.pattern), params))

    walk(get_resolver().url_patterns, "", "")
    return found


@dataclass
class World:
    document: Document
    users: dict[str, object]  # role -> user
    objects: dict[type, list] = field(default_factory=dict)


def demo_world() -> World:
    """The demo forum plus one of everything it lacks; several objects where state matters."""
    load_demo()
    document = Document.objects.get(slug=content.DOCUMENT["slug"])
    nobody, _ = User.objects.get_or_create(username="no.role", defaults={"first_name": "No"})
    users = {
        "secretariat": User.objects.get(username="secretariat"),
        "expert": User.objects.get(username="expert.ma"),
        # The amendment and comment below are by expert.ma (Morocco); this is another
        # delegation's expert.
        "other_expert": User.objects.get(username="expert.us"),
        "observer": User.objects.get(username="observer"),
        # Logged in, but no drafting role (no ExpertProfile).
        "norole": nobody,
    }
    expert = users["expert"]
    sections = list(document.sections.order_by("position"))
    practice = Practice.objects.filter(section=sections[0]).order_by("position").first()
    if not Amendment.objects.exists():
        amendment = Amendment(
            section=practice.section,
            practice=practice,
            base_revision=practice.revision,
            proposed_heading=practice.heading + " (amended)",
            proposed_body=practice.body,
            rationale="Clearer wording.",
            delegation=expert.profile.delegation,
            proposed_by=expert,
        )
        stamp(amendment, by=expert, reason="Test set-up.")
        amendment.save()
    if not Comment.objects.exists():
        comment = Comment(section=practice.section, practice=practice, author=expert, body="Why?")
        stamp(comment, by=expert, reason="Test set-up.")
        comment.save()
    # One section in each state, where the demo has them, so every form appears.
    by_status: dict[str, Section] = {}
    for section in sections:
        by_status.setdefault(section.status, section)
    chosen_sections = list(by_status.values())
    practices = [
        Practice.objects.filter(section=s).order_by("position").first() for s in chosen_sections
    ]
    if not AdoptionPackage.objects.filter(document=document).exists():
        _stored_package(document, users["secretariat"])
    silence = _closed_silence(document, users["secretariat"])
    if not CommentPeriod.objects.filter(document=document).exists():
        _comment_period(document, users)
    world = World(document=document, users=users)
    world.objects = {
        Document: [document],
        Section: chosen_sections,
        Practice: [p for p in practices if p is not None],
        ReviewMeeting: list(document.meetings.order_by("starts_on")[:2]),
        Amendment: list(Amendment.objects.order_by("pk")[:1]),
        Comment: list(Comment.objects.order_by("pk")[:1]),
        Deletion: list(Deletion.objects.order_by("pk")[:1]),
        Version: list(Version.objects.filter(document=document).order_by("pk")[:1]),
        Delegation: list(Delegation.objects.order_by("pk")[:1]),
        WorkingGroup: list(WorkingGroup.objects.order_by("pk")[:1]),
        # People (issue 12): an expert's account and the secretariat's own.
        User: [users["expert"], users["secretariat"]],
        # The demo's positions: the reservation on the record, and one that is not.
        Position: list(Position.objects.order_by("-for_the_record", "pk")[:2]),
        AdoptionPackage: list(AdoptionPackage.objects.filter(document=document)[:1]),
        SilenceProcedure: [silence],
        CommentPeriod: list(CommentPeriod.objects.filter(document=document).order_by("pk")[:1]),
    }
    return world


def _closed_silence(document: Document, by) -> SilenceProcedure:
    """A silence procedure that was broken and ended (issue 15): its page is there to read,
    and the document's text is not frozen by it."""
    found = SilenceProcedure.objects.filter(document=document).first()
    if found is not None:
        return found
    version = Version(
        document=document, name="Silence test", taken_at=timezone.now(), created_by=by
    )
    stamp(version, by=by, reason="Test set-up.")
    version.save()
    procedure = SilenceProcedure(
        document=document,
        version=version,
        deadline=timezone.now(),
        opened_by=by,
        opened_at=timezone.now(),
        closed=SilenceProcedure.Closed.ENDED,
        closed_by=by,
        closed_at=timezone.now(),
    )
    stamp(procedure, by=by, reason="Test set-up.")
    procedure.save()
    procedure.invited.set(Delegation.objects.order_by("pk")[:2])
    return procedure


def _comment_period(document: Document, users: dict) -> None:
    """A comment period on the demo's first version, to the expert's delegation, with a
    comment of theirs in it (issue 15), made as set-up so it also stands once adopted."""
    clerk, expert = users["secretariat"], users["expert"]
    version = Version.objects.filter(document=document).order_by("pk").first()
    if version is None:
        version = actions.name_version(document, by=clerk, name="Circulated for comments")
    period = CommentPeriod(
        document=document,
        version=version,
        deadline=datetime(2099, 1, 1, tzinfo=UTC),
        opened_by=clerk,
    )
    stamp(period, by=clerk, reason="Test set-up.")
    period.save()
    period.invited.set([expert.profile.delegation])
    practice = Practice.objects.filter(section__document=document).order_by("pk").first()
    comment = Comment(
        section=practice.section,
        practice=practice,
        author=expert,
        body="On the circulated text.",
        period=period,
        version=version,
    )
    stamp(comment, by=expert, reason="Test set-up.")
    comment.save()


def _stored_package(document: Document, by) -> None:
    """A stored adoption package record with a stand-in ZIP: who may download it is the
    question of a walk (building real ones is tests/test_packages.py's)."""
    row = Document.history.filter(id=document.pk).order_by("-history_id").first()
    package = AdoptionPackage(
        document=document,
        built_by=by,
        built_at=row.history_date,
        point={"kind": "date", "label": "Text submitted", "slug": "s", "when": None},
        document_history_id=row.history_id,
        text_digest="0" * 64,
        zip_digest="1" * 64,
        size=2,
        manifest={"files": []},
    )
    stamp(package, by=by, reason="Test set-up.")
    package.save()
    AdoptionPackageFile(package=package, content=b"PK").save()


def adopt(world: World) -> None:
    """Take the world's document through review to adoption, as the secretariat would."""
    clerk = world.users["secretariat"]
    document = world.document
    # A final text holds no open square bracket: the demo's are resolved first, as at a meeting.
    bracketed = Practice.objects.filter(section__document=document).filter(
        Q(heading__contains="[[") | Q(body__contains="[[")
    )
    for practice in bracketed:
        for text_field in ("heading", "body"):
            while brackets.brackets(getattr(practice, text_field)):
                practice = actions.resolve_bracket(
                    practice,
                    by=clerk,
                    field=text_field,
                    bracket=1,
                    keep=1,
                    base_revision=practice.revision,
                )
    actions.open_document_review(document, by=clerk)
    open_amendments = Amendment.objects.filter(
        section__document=document, status=Amendment.Status.OPEN
    )
    for amendment in open_amendments:
        actions.reject_amendment(amendment, by=clerk, note="Not agreed.")
    for section in Section.objects.filter(document=document).order_by("position"):
        if section.status == Section.Status.DRAFTING:
            section = actions.request_review(section, by=clerk)
        if section.status == Section.Status.IN_REVIEW:
            actions.approve_section(section, by=clerk, not_agreed_reason=NOT_AGREED)
    actions.finalise_document(document, by=clerk)
    plenary = document.meetings.filter(kind=ReviewMeeting.Kind.MINISTERIAL).latest("starts_on")
    # The demo's history is dated 2018: submitted the day before its plenary, as it was.
    with clock(datetime.combine(plenary.starts_on - timedelta(days=1), time(12), tzinfo=UTC)):
        actions.submit_document(document, by=clerk, meeting=plenary)
    actions.adopt_document(document, by=clerk, adopted_on=plenary.ends_on)
    world.document = Document.objects.get(pk=document.pk)


def _values(route: Route, param: str, world: World) -> list:
    if (route.name, param) in ROUTE_PARAM_VALUES:
        return list(ROUTE_PARAM_VALUES[route.name, param]())
    if param in PARAM_VALUES:
        return list(PARAM_VALUES[param]())
    if param == "slug":
        return [world.document.slug]
    segments = route.pattern.split("/")
    for i, segment in enumerate(segments):
        if f":{param}>" in segment and i > 0:
            model = MODEL_FOR_SEGMENT.get(segments[i - 1])
            if model is not None and world.objects.get(model):
                return [obj.pk for obj in world.objects[model]]
    raise LookupError(
        f"tests/urlwalk.py cannot fill <{param}> in {route.pattern} ({route.name}): "
        "add its model to MODEL_FOR_SEGMENT or its values to PARAM_VALUES."
    )


def urls(world: World) -> list[tuple[Route, str]]:
    """(route, URL) for every route, once per object (or value) of each parameter."""
    result = []
    for route in routes():
        combos: list[dict] = [{}]
        for param in route.params:
            combos = [{**c, param: v} for c in combos for v in _values(route, param, world)]
        for kwargs in combos:
            result.append((route, reverse(route.name, kwargs=kwargs)))
    return result
