"""Comments on practices and sections: threads with replies, resolved by secretariat or author."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from drafting import actions
from drafting.models import Comment
from tests.conftest import login, make_document


@pytest.fixture
def section(document):
    return document.sections.first()


def test_expert_comments_on_a_practice_and_the_page_shows_it(client, expert, observer, section):
    practice = section.practices.first()
    login(client, expert)
    response = client.post(
        reverse("drafting:comment-create", args=[section.pk]),
        {"body": "What about *families*?", "practice": practice.pk},
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"#practice-{practice.pk}")
    comment = Comment.objects.get()
    assert (comment.author, comment.practice, comment.section) == (expert, practice, section)
    row = comment.history.get()
    assert (row.history_user, row.history_change_reason) == (expert, "Comment added.")
    login(client, observer)
    page = client.get(section.get_absolute_url()).content.decode()
    assert "What about <em>families</em>?" in page
    assert "Add comment" not in page  # observers read only


def test_comment_on_the_section_itself(client, expert, section):
    login(client, expert)
    client.post(reverse("drafting:comment-create", args=[section.pk]), {"body": "General point."})
    comment = Comment.objects.get()
    assert comment.practice is None
    page = client.get(section.get_absolute_url()).content.decode()
    assert "General point." in page


def test_comment_markdown_is_sanitised(client, expert, section):
    login(client, expert)
    client.post(
        reverse("drafting:comment-create", args=[section.pk]),
        {"body": "<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>"},
    )
    page = client.get(section.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in page
    assert 'href="javascript' not in page
    assert "<img src=x" not in page


def test_replies_form_a_flat_list_under_the_thread(expert, other_expert, section):
    thread = actions.add_comment(section, by=expert, body="First.")
    reply = actions.reply_to_comment(thread, by=other_expert, body="Second.")
    reply_to_reply = actions.reply_to_comment(reply, by=expert, body="Third.")
    assert reply_to_reply.parent == thread
    from drafting.reads import review_items_for_section

    items = review_items_for_section(section, expert)[None]
    assert [t.comment.body for t in items.threads] == ["First."]
    assert [r.body for r in items.threads[0].replies] == ["Second.", "Third."]


def test_author_and_secretariat_resolve_others_cannot(
    client, expert, other_expert, secretariat, observer, section
):
    thread = actions.add_comment(section, by=expert, body="Typo in GP 2.")
    url = reverse("drafting:comment-resolve", args=[thread.pk])
    for user in (other_expert, observer):
        login(client, user)
        assert client.post(url).status_code == 403
    login(client, expert)
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    thread.refresh_from_db()
    assert (thread.resolved, thread.resolved_by) == (True, expert)
    login(client, secretariat)
    client.post(reverse("drafting:comment-unresolve", args=[thread.pk]))
    thread.refresh_from_db()
    assert not thread.resolved
    client.post(url)
    thread.refresh_from_db()
    assert (thread.resolved, thread.resolved_by) == (True, secretariat)
    reasons = list(
        thread.history.order_by("history_id").values_list("history_change_reason", flat=True)
    )
    assert reasons == ["Comment added.", "Marked resolved.", "Reopened.", "Marked resolved."]


def test_a_reply_cannot_be_resolved_on_its_own(expert, secretariat, section):
    thread = actions.add_comment(section, by=expert, body="A.")
    reply = actions.reply_to_comment(thread, by=secretariat, body="B.")
    with pytest.raises(ValidationError, match="Resolve the thread"):
        actions.resolve_comment(reply, by=secretariat)


def test_htmx_posts_get_the_updated_thread_list(client, expert, section):
    practice = section.practices.first()
    login(client, expert)
    response = client.post(
        reverse("drafting:comment-create", args=[section.pk]),
        {"body": "Via htmx.", "practice": practice.pk},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="comments-{practice.pk}"' in body and "Via htmx." in body
    assert "<html" not in body
    empty = client.post(
        reverse("drafting:comment-create", args=[section.pk]),
        {"body": "", "practice": practice.pk},
        HTTP_HX_REQUEST="true",
    )
    assert empty.status_code == 422 and "Write something first." in empty.content.decode()
    assert Comment.objects.count() == 1


def test_comment_on_a_practice_of_another_section_is_refused(client, expert, secretariat, section):
    elsewhere = make_document(by=secretariat, sections=1, practices=1).sections.get()
    login(client, expert)
    response = client.post(
        reverse("drafting:comment-create", args=[section.pk]),
        {"body": "Wrong place.", "practice": elsewhere.practices.get().pk},
        follow=True,
    )
    assert "That practice is not in this section." in response.content.decode()
    assert not Comment.objects.exists()


def test_observers_and_anonymous_cannot_comment(client, observer, section):
    url = reverse("drafting:comment-create", args=[section.pk])
    assert client.post(url, {"body": "Hi"})["Location"].startswith(reverse("login"))
    login(client, observer)
    assert client.post(url, {"body": "Hi"}).status_code == 403
    with pytest.raises(PermissionDenied):
        actions.add_comment(section, by=observer, body="Hi")
    assert not Comment.objects.exists()
