"""Practice numbers run continuously through the document and follow the stored order."""

from drafting import actions, reads
from drafting.models import Practice
from tests.conftest import make_document, make_section


def _numbers(document):
    return [
        (item.number, item.practice.heading)
        for entry in reads.document_outline(document)
        for item in entry.practices
    ]


def test_numbers_are_continuous_across_sections(secretariat):
    document = make_document(by=secretariat, sections=3, practices=2)
    assert _numbers(document) == [
        (1, "Practice 1.1"),
        (2, "Practice 1.2"),
        (3, "Practice 2.1"),
        (4, "Practice 2.2"),
        (5, "Practice 3.1"),
        (6, "Practice 3.2"),
    ]


def test_insert_renumbers_the_following_practices_without_writing_them(secretariat, expert):
    document = make_document(by=secretariat, sections=2, practices=2)
    first = Practice.objects.get(heading="Practice 1.1")
    history_before = Practice.history.count()

    actions.create_practice(first.section, by=expert, heading="Inserted", after=first)

    assert _numbers(document)[:4] == [
        (1, "Practice 1.1"),
        (2, "Inserted"),
        (3, "Practice 1.2"),
        (4, "Practice 2.1"),
    ]
    assert Practice.history.count() == history_before + 1


def test_move_to_another_section_is_one_recorded_change(secretariat, expert):
    document = make_document(by=secretariat, sections=2, practices=2)
    moving = Practice.objects.get(heading="Practice 2.2")
    target_after = Practice.objects.get(heading="Practice 1.1")
    history_before = Practice.history.count()

    actions.move_practice(
        moving, by=expert, section=target_after.section, after=target_after, reason="Fits better."
    )

    assert _numbers(document) == [
        (1, "Practice 1.1"),
        (2, "Practice 2.2"),
        (3, "Practice 1.2"),
        (4, "Practice 2.1"),
    ]
    assert Practice.history.count() == history_before + 1
    row = moving.history.latest()
    assert (row.history_user, row.history_change_reason) == (expert, "Fits better.")


def test_move_to_the_top(secretariat, expert):
    document = make_document(by=secretariat, sections=1, practices=3)
    last = Practice.objects.get(heading="Practice 1.3")
    actions.move_practice(last, by=expert, first=True)
    assert [h for _, h in _numbers(document)] == ["Practice 1.3", "Practice 1.1", "Practice 1.2"]


def test_delete_closes_the_gap(secretariat, expert):
    document = make_document(by=secretariat, sections=2, practices=2)
    actions.delete_practice(
        Practice.objects.get(heading="Practice 1.2"), by=expert, reason="Merged."
    )
    assert _numbers(document) == [(1, "Practice 1.1"), (2, "Practice 2.1"), (3, "Practice 2.2")]


def test_repeated_inserts_at_one_spot_keep_order_when_gaps_run_out(secretariat, expert):
    document = make_document(by=secretariat, sections=1, practices=2)
    first = Practice.objects.get(heading="Practice 1.1")
    for i in range(30):  # more than the gap between two positions can halve
        actions.create_practice(first.section, by=expert, heading=f"New {i}", after=first)
    headings = [h for _, h in _numbers(document)]
    assert headings == ["Practice 1.1", *[f"New {i}" for i in reversed(range(30))], "Practice 1.2"]
    respaced = Practice.history.filter(history_change_reason__startswith="Positions re-spaced")
    assert respaced.exists()
    assert set(respaced.values_list("history_user", flat=True)) == {expert.pk}


def test_moving_a_section_moves_its_numbers(secretariat, expert):
    document = make_document(by=secretariat, sections=2, practices=1)
    second = document.sections.get(title="Section 2")
    actions.move_section(second, by=expert, first=True)
    assert _numbers(document) == [(1, "Practice 2.1"), (2, "Practice 1.1")]


def test_practice_numbers_helper_matches_outline(secretariat):
    document = make_document(by=secretariat, sections=3, practices=3)
    extra = make_section(document, by=secretariat, title="Empty")
    assert extra.practices.count() == 0
    outline = {
        item.practice.pk: item.number
        for e in reads.document_outline(document)
        for item in e.practices
    }
    assert reads.practice_numbers(document) == outline
