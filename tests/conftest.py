"""Role fixtures and small factories shared by every test."""

from __future__ import annotations

import itertools
from contextlib import contextmanager
from datetime import datetime
from unittest import mock

import pytest
from django.contrib.auth import get_user_model

from drafting.actions.ordering import position_after
from drafting.history import stamp
from drafting.models import Delegation, Document, ExpertProfile, Practice, Section

User = get_user_model()
PASSWORD = "correct-horse-battery-staple"
_seq = itertools.count(1)


def make_delegation(**overrides) -> Delegation:
    n = next(_seq)
    fields = {"name": f"Delegation {n}", "code": f"D{n}", "kind": Delegation.Kind.MEMBER}
    fields.update(overrides)
    delegation = Delegation(**fields)
    stamp(delegation, by=None, reason="Test set-up.")
    delegation.save()
    return delegation


def make_user(role: str | None, *, delegation: Delegation | None = None, username: str = ""):
    n = next(_seq)
    user = User.objects.create_user(
        username=username or f"{role or 'nobody'}{n}",
        password=PASSWORD,
        first_name=(role or "No").title(),
        last_name=f"Person{n}",
    )
    if role is not None:
        profile = ExpertProfile(user=user, role=role, delegation=delegation or make_delegation())
        stamp(profile, by=user, reason="Test set-up.")
        profile.save()
    return user


@pytest.fixture
def expert(db):
    return make_user(ExpertProfile.Role.EXPERT)


@pytest.fixture
def other_expert(db):
    return make_user(ExpertProfile.Role.EXPERT)


@pytest.fixture
def secretariat(db):
    return make_user(ExpertProfile.Role.SECRETARIAT)


@pytest.fixture
def observer(db):
    return make_user(ExpertProfile.Role.OBSERVER)


# The reason a test records for approving a section whose practices are not agreed
# (actions.approve_section asks for one) when agreement is not what the test is about.
NOT_AGREED = "Agreement per practice is not what this test is about."


def agree_all(section, *, by) -> None:
    """Record every practice of ``section`` as agreed (as the secretariat ``by``)."""
    from drafting import actions

    for practice in section.practices.order_by("position"):
        actions.record_agreement(practice, by=by, status="agreed")


def make_document(*, by, sections: int = 2, practices: int = 3, when=None, **overrides) -> Document:
    """A document with ``sections`` sections of ``practices`` practices each."""
    n = next(_seq)
    fields = {
        "title": f"Good Practices on Topic {n}",
        "short_title": f"Topic {n}",
        "slug": f"topic-{n}",
        "forum": "Test Forum",
    }
    fields.update(overrides)
    document = Document(**fields)
    stamp(document, by=by, reason="Test document.", when=when)
    document.save()
    for s in range(1, sections + 1):
        section = make_section(document, by=by, title=f"Section {s}", when=when)
        for p in range(1, practices + 1):
            make_practice(
                section, by=by, heading=f"Practice {s}.{p}", body=f"Body of {s}.{p}.", when=when
            )
    return document


def make_section(document: Document, *, by, when=None, **overrides) -> Section:
    """``when`` back-dates the history row (history itself is append-only)."""
    siblings = list(document.sections.order_by("position", "id"))
    fields = {"title": "A section", "position": position_after(siblings, None, by=by)}
    fields.update(overrides)
    section = Section(document=document, **fields)
    stamp(section, by=by, reason="Test section.", when=when)
    section.save()
    return section


def make_practice(section: Section, *, by, when=None, **overrides) -> Practice:
    siblings = list(section.practices.order_by("position", "id"))
    fields = {
        "heading": "A practice",
        "body": "Its body.",
        "position": position_after(siblings, None, by=by),
    }
    fields.update(overrides)
    practice = Practice(section=section, **fields)
    stamp(practice, by=by, reason="Test practice.", when=when)
    practice.save()
    return practice


@pytest.fixture(autouse=True)
def _exports_cache_and_jobs(settings, tmp_path_factory) -> None:
    """Each test has its own empty exports cache, and export jobs run within the request:
    a job's thread could not see the rows of a test's transaction (browser tests switch
    back to threads, as in production)."""
    folder = tmp_path_factory.mktemp("export-cache")
    settings.CACHES = {
        **settings.CACHES,
        "exports": {**settings.CACHES["exports"], "LOCATION": str(folder)},
    }
    settings.EXPORT_JOBS_RUN = "inline"


@pytest.fixture
def document(secretariat) -> Document:
    return make_document(by=secretariat)


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def download(client, url: str, data: dict | None = None):
    """GET a download link as a person would: a PDF (or large Word file) answers with the
    page of the job making it; that page, once the file is ready, offers it. The last
    response: the file, or the first one that is not a redirect to a job page."""
    response = client.get(url, data or {})
    location = response.get("Location", "") if response.status_code == 302 else ""
    if "/exports/" not in location:
        return response
    page = client.get(location)
    assert page.status_code == 200, location
    assert "Ready" in page.content.decode(), page.content.decode()
    return client.get(location + "file/")


@contextmanager
def clock(moment: datetime):
    """Freeze the clock of the application code inside at ``moment`` (``timezone.now()``).

    Tests name their moments instead of reading the wall clock; it also plays an
    application host whose clock is ahead or behind, or two saves in one instant.
    """
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield
