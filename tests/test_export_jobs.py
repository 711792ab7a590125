"""Exports that never starve the site: the PDF child process, the cache of finished files,
export jobs (queue, site-wide limit, progress page, failures and retries)."""

from __future__ import annotations

import io
import re
import sys
import threading
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from drafting.actions import exports as job_actions
from drafting.export import build, jobs, pdf
from drafting.history import points, stamp
from drafting.models import ExportJob
from tests.conftest import clock, download, login, make_document, make_user
from tests.test_export import pdf_text
from tests.test_export_views import add_meeting, name_version


def export_url(document, fmt: str, query: str = "") -> str:
    url = reverse("drafting:document-export", args=[document.slug, fmt])
    return f"{url}?{query}" if query else url


@pytest.fixture
def typesetting(monkeypatch) -> list[str]:
    """Counts the PDFs actually typeset (each is one child process); names the documents."""
    calls: list[str] = []
    real = pdf.typeset_in_child

    def counted(plan, **kwargs):
        calls.append(plan.name)
        return real(plan, **kwargs)

    monkeypatch.setattr(pdf, "typeset_in_child", counted)
    return calls


def blocking_job(document, user) -> ExportJob:
    """A PDF job that has started and is still running (as another process would hold it)."""
    job_actions.start_job(
        document,
        "pdf",
        points.NOW,
        redline_from=None,
        by=user,
        source_url=export_url(document, "pdf"),
        label="PDF of the current text",
        practices=1,
    )
    job = job_actions.claim_next()
    assert job is not None and job.state == ExportJob.State.RUNNING
    return job


def job_page(client, response):
    assert response.status_code == 302, response.status_code
    assert "/exports/" in response["Location"]
    page = client.get(response["Location"])
    assert page.status_code == 200
    return page.content.decode()


# --- the child process ------------------------------------------------------------------


def test_the_child_process_typesets_the_same_pdf_as_the_web_process(secretariat):
    document = make_document(by=secretariat, sections=2, practices=3)
    model = build(document)
    in_child = pdf.render(model)
    in_process = pdf.render_in_process(model)
    assert in_child.startswith(b"%PDF")
    # Typst stamps each PDF with the second it was made (and ids derived from it): the
    # same pages with the same text, to the byte in size.
    assert len(in_child) == len(in_process)
    assert pdf_text(in_child) == pdf_text(in_process)
    assert len(PdfReader(io.BytesIO(in_child)).pages) == len(
        PdfReader(io.BytesIO(in_process)).pages
    )
    assert "Good Practice 6" in pdf_text(in_child)


def test_the_child_lowers_its_priority_and_keeps_the_drafting_package_out(settings):
    settings.EXPORT_NICE = 7
    command = pdf.child_command()
    assert command[:2] == [sys.executable, "-I"]  # isolated: no script folder on sys.path
    assert command[2].endswith("typesetter.py") and command[3] == "7"


def test_a_killed_child_fails_the_job_in_words_and_trying_again_works(
    client, expert, secretariat, monkeypatch
):
    document = make_document(by=secretariat, sections=1, practices=2)
    killer = [sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"]
    monkeypatch.setattr(pdf, "child_command", lambda: killer)
    login(client, expert)
    page = job_page(client, client.get(export_url(document, "pdf")))
    assert 'data-state="failed"' in page
    assert "The export failed." in page and "was stopped (SIGKILL)" in page
    job = ExportJob.objects.get()
    assert job.state == ExportJob.State.FAILED and "SIGKILL" in job.error
    assert f'href="{export_url(document, "pdf")}"' in page  # "Try again"

    monkeypatch.undo()
    response = download(client, export_url(document, "pdf"))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert ExportJob.objects.filter(state=ExportJob.State.DONE).count() == 1


def test_a_child_over_the_time_limit_is_stopped_and_the_job_says_so(
    client, expert, secretariat, monkeypatch, settings
):
    """The child reads its input and then waits for ever; the limit stops it (no sleep here:
    the parent's first check after a second finds the limit passed)."""
    settings.EXPORT_TIMEOUT_SECONDS = 0
    forever = [sys.executable, "-c", "import sys, signal; sys.stdin.read(); signal.pause()"]
    monkeypatch.setattr(pdf, "child_command", lambda: forever)
    document = make_document(by=secretariat, sections=1, practices=1)
    page = job_page(client, login(client, expert).get(export_url(document, "pdf")))
    assert "longer than 0 seconds and was stopped" in page
    assert ExportJob.objects.get().state == ExportJob.State.FAILED


# --- the cache of finished files ---------------------------------------------------------


def test_an_identical_request_is_served_from_the_cache_without_typesetting(
    client, expert, observer, secretariat, typesetting
):
    document = make_document(by=secretariat, sections=2, practices=2)
    first = download(login(client, expert), export_url(document, "pdf"))
    assert first.status_code == 200 and typesetting == [document.slug]
    # Another person, later: the same text, so the same file, at once (no job page).
    second = login(client, observer).get(export_url(document, "pdf"))
    assert second.status_code == 200
    assert second["Content-Type"] == "application/pdf"
    assert second.content == first.content
    assert typesetting == [document.slug]
    assert ExportJob.objects.count() == 1


def test_a_change_to_the_text_misses_the_cache(client, expert, secretariat, typesetting):
    document = make_document(by=secretariat, sections=1, practices=2)
    login(client, expert)
    before = download(client, export_url(document, "pdf"))
    practice = document.sections.get().practices.order_by("position").first()
    practice.heading = "Heading changed after the first export"
    stamp(practice, by=secretariat, reason="Edited.")
    practice.save()
    after = download(client, export_url(document, "pdf"))
    assert len(typesetting) == 2
    assert "Heading changed after the first export" in pdf_text(after.content)
    assert "Heading changed" not in pdf_text(before.content)


def test_each_format_and_each_point_has_its_own_cache_entry(client, expert, secretariat):
    document = make_document(by=secretariat, sections=1, practices=1)
    version = name_version(document, secretariat)
    practice = document.sections.get().practices.get()
    practice.heading = "Later heading"
    stamp(practice, by=secretariat)
    practice.save()
    login(client, expert)
    now = download(client, export_url(document, "md")).content.decode()
    then = download(client, export_url(document, "md", f"version={version.pk}")).content.decode()
    html = download(client, export_url(document, "html")).content.decode()
    assert "Later heading" in now and "Later heading" not in then
    assert html.lstrip().lower().startswith("<!doctype html")


def test_the_digest_depends_on_the_text_not_on_the_moment_of_asking(secretariat):
    document = make_document(by=secretariat, sections=1, practices=1)
    first, second = build(document), build(document)
    assert first.generated_at != second.generated_at or first.at != second.at
    assert jobs.digest(first, "pdf") == jobs.digest(second, "pdf")
    assert jobs.digest(first, "pdf") != jobs.digest(first, "docx")
    redline = build(document, redline_from=points.at(timezone.now() - timedelta(days=400)))
    assert jobs.digest(redline, "pdf") != jobs.digest(first, "pdf")


# --- jobs: the page, the queue, the limit ------------------------------------------------


def test_markdown_html_and_small_word_files_come_at_once(client, expert, document, settings):
    login(client, expert)
    for fmt in ["md", "html", "docx"]:
        assert client.get(export_url(document, fmt)).status_code == 200, fmt
    settings.EXPORT_DIRECT_MAX_PRACTICES = 2  # the fixture document has six
    jobs.exports_cache().clear()
    response = client.get(export_url(document, "docx"))
    assert response.status_code == 302 and "/exports/" in response["Location"]
    assert download(client, export_url(document, "docx")).content.startswith(b"PK")


def test_the_job_page_shows_waiting_then_being_made_then_ready(
    client, expert, other_expert, secretariat, settings, typesetting
):
    settings.EXPORT_MAX_RUNNING = 1
    document = make_document(by=secretariat, sections=1, practices=2)
    other = make_document(by=secretariat, sections=1, practices=1)
    blocker = blocking_job(other, other_expert)

    login(client, expert)
    response = client.get(export_url(document, "pdf"))
    page = job_page(client, response)
    assert 'data-state="queued"' in page
    assert "Waiting</strong> — 1 export ahead of yours" in page
    # htmx polls the status part; without JavaScript the page refreshes itself.
    assert 'hx-trigger="every 2s"' in page and 'http-equiv="refresh"' in page
    assert typesetting == []
    # A double click does not queue a second PDF.
    assert client.get(export_url(document, "pdf"))["Location"] == response["Location"]

    # The running job's own page, seen by the person who asked for it.
    login(client, other_expert)
    running = client.get(
        reverse("drafting:export-job", args=[other.slug, blocker.token])
    ).content.decode()
    assert 'data-state="running"' in running and "Being made</strong> — Starting" in running

    # It ends; the next look at the waiting job's page starts it (here, within the request).
    job_actions.fail_job(blocker.pk, "Stopped by the test.")
    login(client, expert)
    page = client.get(response["Location"]).content.decode()
    assert 'data-state="done"' in page and "Ready" in page
    assert 'http-equiv="refresh"' not in page and "hx-trigger" not in page
    file_url = reverse("drafting:export-job-file", args=[document.slug, page_token(page)])
    assert f'href="{file_url}"' in page
    pdf_response = client.get(file_url)
    assert pdf_response["Content-Type"] == "application/pdf"
    assert f'filename="{document.slug}-current.pdf"' in pdf_response["Content-Disposition"]
    assert typesetting == [document.slug]


def page_token(page: str) -> str:
    return re.search(r"/exports/([\w-]+)/file/", page).group(1)


def test_htmx_polls_get_the_status_part_and_the_file_when_it_is_ready(client, expert, secretariat):
    document = make_document(by=secretariat, sections=1, practices=1)
    login(client, expert)
    location = client.get(export_url(document, "pdf"))["Location"]
    part = client.get(location + "?fetch=1", headers={"HX-Request": "true"})
    assert part.status_code == 200
    body = part.content.decode()
    assert "<html" not in body and 'id="export-job"' in body and "Ready" in body
    assert f'data-fetch="{location}file/"' in body  # export_job.js fetches it


def test_at_most_the_configured_number_of_jobs_run_at_once(
    expert, observer, other_expert, secretariat, settings
):
    settings.EXPORT_MAX_RUNNING = 2
    document = make_document(by=secretariat, sections=1, practices=1)
    queued = []
    for user in [expert, observer, other_expert]:
        queued.append(
            job_actions.start_job(
                document,
                "pdf",
                points.NOW,
                redline_from=None,
                by=user,
                source_url=export_url(document, "pdf"),
                label="PDF",
                practices=1,
            )
        )
    first, second = job_actions.claim_next(), job_actions.claim_next()
    assert [first.pk, second.pk] == [queued[0].pk, queued[1].pk]  # oldest first
    assert job_actions.claim_next() is None  # the limit: two running
    third = jobs.status(queued[2])
    assert third.job.state == ExportJob.State.QUEUED and third.ahead == 2
    job_actions.finish_job(first.pk, digest="x", filename="x.pdf", content_type="application/pdf")
    assert jobs.status(queued[2]).ahead == 1
    assert job_actions.claim_next().pk == queued[2].pk
    assert ExportJob.objects.filter(state=ExportJob.State.RUNNING).count() == 2


def _lost_job(document, user) -> ExportJob:
    """A job claimed an hour ago by a process that has not shown a sign of life since."""
    job_actions.start_job(
        document,
        "pdf",
        points.NOW,
        redline_from=None,
        by=user,
        source_url=export_url(document, "pdf"),
        label="PDF of the current text",
        practices=1,
    )
    return job_actions.claim_next(now=timezone.now() - timedelta(hours=1))


def test_a_running_job_whose_process_died_is_started_again(client, expert, secretariat):
    document = make_document(by=secretariat, sections=1, practices=1)
    job = _lost_job(document, expert)
    login(client, expert)
    page = client.get(reverse("drafting:export-job", args=[document.slug, job.token]))
    assert 'data-state="done"' in page.content.decode()
    job.refresh_from_db()
    assert job.state == ExportJob.State.DONE and job.attempts == 2


def test_a_job_lost_twice_fails_in_words_and_can_be_tried_again(
    client, expert, secretariat, settings
):
    settings.EXPORT_JOB_ATTEMPTS = 1
    document = make_document(by=secretariat, sections=1, practices=1)
    job = _lost_job(document, expert)
    login(client, expert)
    page = client.get(reverse("drafting:export-job", args=[document.slug, job.token]))
    text = page.content.decode()
    assert 'data-state="failed"' in text and "the server process making it ended" in text
    assert ExportJob.objects.get(pk=job.pk).state == ExportJob.State.FAILED
    # "Try again" is the download link: a new job, which finishes.
    assert f'href="{export_url(document, "pdf")}"' in text
    response = download(client, export_url(document, "pdf"))
    assert response.content.startswith(b"%PDF")


def test_a_job_whose_file_was_cleared_offers_to_make_it_again(client, expert, secretariat):
    document = make_document(by=secretariat, sections=1, practices=1)
    login(client, expert)
    location = client.get(export_url(document, "pdf"))["Location"]
    jobs.exports_cache().clear()
    page = client.get(location).content.decode()
    assert "No longer kept" in page and f'href="{export_url(document, "pdf")}"' in page
    assert client.get(location + "file/")["Location"] == location


def test_a_job_is_only_for_the_person_who_asked_for_it(client, expert, observer, secretariat):
    document = make_document(by=secretariat, sections=1, practices=1)
    location = login(client, expert).get(export_url(document, "pdf"))["Location"]
    login(client, observer)
    assert client.get(location).status_code == 404
    assert client.get(location + "file/").status_code == 404
    client.logout()
    assert client.get(location).status_code == 404
    other = make_document(by=secretariat)
    assert client.get(location.replace(document.slug, other.slug)).status_code == 404
    assert client.get(f"/documents/{document.slug}/exports/no-such-job/").status_code == 404


def test_a_user_who_lost_the_role_cannot_fetch_a_redline_job(client, secretariat):
    document = make_document(by=secretariat, sections=1, practices=1)
    user = make_user("expert")
    login(client, user)
    response = client.get(
        reverse("drafting:document-redline", args=[document.slug]),
        {"start": "date", "start_date": "2001-01-01T00:00", "end": "now", "format": "pdf"},
    )
    location = response["Location"]
    user.profile.delete()
    assert client.get(location).status_code == 403


def test_anonymous_readers_get_the_adopted_pdf_through_a_job(client, secretariat):
    from drafting.models import Document

    adopted = make_document(by=secretariat, status=Document.Status.ADOPTED)
    response = download(client, export_url(adopted, "pdf"))
    assert response.status_code == 200 and "DRAFT" not in pdf_text(response.content)
    assert ExportJob.objects.get().requested_by is None


@pytest.mark.parametrize("waiting", [1, 6])
def test_the_job_page_queries_do_not_grow_with_the_queue(
    client, expert, secretariat, settings, django_assert_max_num_queries, waiting
):
    settings.EXPORT_MAX_RUNNING = 1
    document = make_document(by=secretariat, sections=1, practices=1)
    blocking_job(document, secretariat)
    for _ in range(waiting):
        other = make_user("expert")
        job_actions.start_job(
            document,
            "pdf",
            points.NOW,
            redline_from=None,
            by=other,
            source_url="/",
            label="PDF",
            practices=1,
        )
    login(client, expert)
    location = client.get(export_url(document, "pdf"))["Location"]
    with django_assert_max_num_queries(16):
        page = client.get(location)
    assert f"{waiting + 1} exports ahead of yours" in page.content.decode()


def test_finished_jobs_are_forgotten_after_a_week(client, expert, secretariat):
    document = make_document(by=secretariat, sections=1, practices=1)
    week_ago = timezone.now() - timedelta(days=8)
    with clock(week_ago):
        old = blocking_job(document, secretariat)
        job_actions.fail_job(old.pk, "Stopped.")
    recent = blocking_job(document, expert)
    job_actions.fail_job(recent.pk, "Stopped.")
    login(client, expert).get(export_url(document, "pdf"))
    assert not ExportJob.objects.filter(pk=old.pk).exists()
    assert ExportJob.objects.filter(pk=recent.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_in_production_a_job_runs_in_a_thread_and_the_request_answers_at_once(
    client, expert, secretariat, settings, monkeypatch
):
    settings.EXPORT_JOBS_RUN = "thread"
    started: list[threading.Thread] = []
    real_start = threading.Thread.start  # jobs.threading is this very module

    class Recorded(threading.Thread):
        def start(self) -> None:
            # Started by the test once the request is over: two connections writing at
            # once to the tests' in-memory SQLite fail at once ("table is locked") instead
            # of waiting as they do on a database file or PostgreSQL.
            started.append(self)

    monkeypatch.setattr(jobs.threading, "Thread", Recorded)
    document = make_document(by=secretariat, sections=1, practices=2)
    login(client, expert)
    response = client.get(export_url(document, "pdf"))
    assert response.status_code == 302 and len(started) == 1
    assert ExportJob.objects.get().state == ExportJob.State.RUNNING  # claimed for the thread
    real_start(started[0])
    started[0].join(timeout=120)  # the job's own end, not a guess at its duration
    assert not started[0].is_alive()
    job = ExportJob.objects.get()
    assert job.state == ExportJob.State.DONE, job.error
    pdf_file = client.get(response["Location"] + "file/")
    assert pdf_file.content.startswith(b"%PDF") and "Good Practice 2" in pdf_text(pdf_file.content)


def test_pdfs_of_a_version_a_meeting_a_date_and_a_redline_come_through_jobs(
    client, expert, secretariat
):
    document = make_document(by=secretariat, sections=1, practices=1)
    meeting = add_meeting(document, secretariat)
    version = name_version(document, secretariat)
    at = (timezone.localtime() + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M")
    practice = document.sections.get().practices.get()
    practice.heading = "Changed after the version"
    stamp(practice, by=secretariat)
    practice.save()
    login(client, expert)
    for query, present in [
        (f"version={version.pk}", "Practice 1.1"),
        (f"meeting={meeting.pk}", "Text at the opening of the Rabat review meeting"),
        (f"at={at}", "Changed after the version"),
    ]:
        response = download(client, export_url(document, "pdf", query))
        assert response.status_code == 200, query
        assert present in pdf_text(response.content), query
    redline = download(
        client,
        reverse("drafting:document-redline", args=[document.slug]),
        {"start": f"v{version.pk}", "end": "now", "format": "pdf"},
    )
    assert "Changed after the version" in pdf_text(redline.content)
    assert "redline-version-draft-1-to-current.pdf" in redline["Content-Disposition"]
    assert ExportJob.objects.filter(state=ExportJob.State.DONE).count() == 4
    assert set(ExportJob.objects.values_list("historical", flat=True)) == {True}


# --- found by a hostile tester -----------------------------------------------------------


def test_a_request_after_an_edit_is_not_joined_to_a_job_that_read_the_text_before_it(
    client, expert, other_expert, secretariat, settings
):
    """Download, spot a typo, fix it, Download again: the second file must hold the fix."""
    settings.EXPORT_MAX_RUNNING = 1
    document = make_document(by=secretariat, sections=1, practices=1)
    blocking_job(make_document(by=secretariat, sections=1, practices=1), other_expert)
    login(client, expert)
    before = client.get(export_url(document, "pdf"))["Location"]
    assert client.get(export_url(document, "pdf"))["Location"] == before  # a double click
    practice = document.sections.get().practices.get()
    practice.heading = "Typo fixed"
    stamp(practice, by=expert)
    practice.save()
    after = client.get(export_url(document, "pdf"))["Location"]
    assert after != before


def test_one_person_cannot_queue_more_than_the_allowed_exports(
    client, observer, expert, secretariat, settings
):
    settings.EXPORT_MAX_RUNNING = 1
    settings.EXPORT_JOBS_PER_USER = 2
    document = make_document(by=secretariat, sections=1, practices=1)
    blocking_job(make_document(by=secretariat, sections=1, practices=1), secretariat)
    login(client, observer)
    # Moments a minute or two ahead (the document is brand new): each its own export.
    moments = [f"at={(timezone.localtime() + timedelta(minutes=m)):%Y-%m-%dT%H:%M}" for m in (1, 2)]
    for query in moments:
        assert client.get(export_url(document, "pdf", query)).status_code == 302
    before = ExportJob.objects.count()
    third = f"at={(timezone.localtime() + timedelta(minutes=3)):%Y-%m-%dT%H:%M}"
    refused = client.get(export_url(document, "pdf", third))
    assert refused.status_code == 429
    assert "You already have 2 exports waiting or being made" in refused.content.decode()
    assert ExportJob.objects.count() == before
    # Everyone else is unaffected.
    login(client, expert)
    assert client.get(export_url(document, "pdf", third)).status_code == 302


def test_a_typed_moment_in_the_future_is_refused_not_labelled_as_if_it_were_past(
    client, expert, secretariat
):
    document = make_document(by=secretariat, sections=1, practices=1)
    login(client, expert)
    response = client.get(export_url(document, "md", "at=2099-01-01"))
    assert response.status_code == 400
    assert "is in the future" in response.content.decode()
    # A minute ahead, to be sure to include the latest change, is fine.
    soon = f"at={(timezone.localtime() + timedelta(minutes=1)):%Y-%m-%dT%H:%M}"
    assert client.get(export_url(document, "md", soon)).status_code == 200


def test_the_typesetting_child_dies_with_the_process_that_started_it(tmp_path):
    """A killed web worker must not leave a typesetter running, uncounted by the queue."""
    import os
    import select
    import subprocess

    # The child's stdin is a pipe this test holds open: it would wait for ever on its own.
    read_end, write_end = os.pipe()
    command = pdf.child_command()
    starter = (
        "import subprocess, sys\n"
        f"child = subprocess.Popen({command!r}, stdin={read_end}, pass_fds=[{read_end}])\n"
        "print(child.pid, flush=True)\n"
        "sys.stdin.read()\n"  # lives until the test kills it
    )
    parent = subprocess.Popen(  # noqa: S603 (this interpreter, a fixed script)
        [sys.executable, "-c", starter],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        pass_fds=[read_end],
        text=True,
    )
    child_pid = int(parent.stdout.readline())
    child = os.pidfd_open(child_pid)
    try:
        assert select.select([child], [], [], 0)[0] == []  # the child is alive, waiting
        parent.kill()
        parent.wait()
        # The kernel ends the child with its parent: its pidfd becomes readable on exit.
        assert select.select([child], [], [], 60)[0] == [child]
    finally:
        os.close(child)
        os.close(read_end)
        os.close(write_end)
