"""The three-way word merge: regions, choices, attribution and dropped words."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drafting import actions
from drafting.history import Author
from drafting.merge import Merge, blame, drop_token, merge_saved, merge_text, words
from drafting.models import Practice
from tests.conftest import make_document, make_user
from tests.html_safety import live_html_problems

SARAH = Author("Sarah Mitchell", "United States")
JEAN = Author("Jean Dupont", "France")
BASE = "Families are often first to notice. Schools should be involved."


def kinds(field) -> list[str]:
    return [r.kind for r in field.regions]


# ---- merging texts ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "",
        "   ",
        "One word",
        "  leading and trailing  \n",
        "Para one.\n\nPara two, with *emphasis* and [a link](https://example.org).",
        "Les États membres devraient coopérer — « déjà » ; naïveté.",
        "ينبغي للدول الأعضاء أن تتعاون، وأن تتبادل المعلومات.",
        "Tabs\tand\r\nwindows lines",
    ],
)
def test_words_give_back_the_text_exactly(source):
    assert "".join(words(source)) == source
    assert all(w.strip() or len(words(source)) == 1 for w in words(source))


def test_non_overlapping_edits_combine():
    theirs = BASE + " Teachers need training."
    mine = BASE.replace("first", "the first")
    merged = merge_text(BASE, theirs, mine)
    assert merged.conflicts == []
    assert merged.text() == (
        "Families are often the first to notice. Schools should be involved. "
        "Teachers need training."
    )
    assert set(kinds(merged)) == {"unchanged", "theirs", "mine"}


def test_overlapping_edits_are_one_conflict_region_with_both_versions():
    theirs = BASE.replace("first", "quickest")
    mine = BASE.replace("first", "best placed")
    merged = merge_text(BASE, theirs, mine, name="body", fallback_authors=(SARAH,))
    (region,) = merged.conflicts
    assert (region.key, region.base.strip(), region.theirs.strip(), region.mine.strip()) == (
        "body-0",
        "first",
        "quickest",
        "best placed",
    )
    assert region.authors == (SARAH,)
    assert region.their_action == "changed"
    with pytest.raises(ValueError, match="needs a choice"):
        merged.text()
    assert merged.text({"body-0": "theirs"}) == theirs
    assert merged.text({"body-0": "mine"}) == mine
    assert merged.text({"body-0": "both"}) == BASE.replace("first", "quickest best placed")


def test_both_puts_theirs_first_and_separates_words_that_touch():
    merged = merge_text("Act.", "Act now.", "Act today.")
    (region,) = merged.conflicts
    assert merged.text({region.key: "both"}) == "Act now today."
    end = merge_text("Stop", "Stop!", "Stop?")
    assert end.text({end.conflicts[0].key: "both"}) == "Stop! ?"


def test_identical_changes_on_both_sides_merge_once():
    same = BASE.replace("Schools", "Schools and clubs")
    merged = merge_text(BASE, same, same)
    assert merged.conflicts == []
    assert "same" in kinds(merged)
    assert merged.text() == same


@pytest.mark.parametrize(
    ("base", "theirs", "mine", "expected"),
    [
        ("", "", "", ""),
        ("", "Added by them.", "", "Added by them."),
        ("", "", "Added by me.", "Added by me."),
        ("Deleted by them.", "", "Deleted by them.", ""),
        ("Deleted by both.", "", "", ""),
    ],
)
def test_empty_texts_merge(base, theirs, mine, expected):
    merged = merge_text(base, theirs, mine)
    assert merged.conflicts == []
    assert merged.text() == expected


def test_two_different_texts_from_nothing_conflict():
    merged = merge_text("", "Theirs.", "Mine.")
    assert len(merged.conflicts) == 1
    assert merged.text({merged.conflicts[0].key: "both"}) == "Theirs. Mine."


def test_french_accents_are_whole_words():
    base = "Les États membres devraient coopérer."
    theirs = "Les États membres devraient coopérer étroitement."
    mine = "Les États parties devraient coopérer."
    merged = merge_text(base, theirs, mine)
    assert merged.conflicts == []
    assert merged.text() == "Les États parties devraient coopérer étroitement."
    clash = merge_text(base, base.replace("États", "Étâts"), base.replace("États", "Etats"))
    assert [r.theirs for r in clash.conflicts] == [" Étâts"]


def test_arabic_words_merge():
    base = "ينبغي للدول الأعضاء أن تتعاون."
    theirs = "ينبغي للدول الأعضاء أن تتعاون وأن تتبادل المعلومات."
    mine = "يجب على الدول الأعضاء أن تتعاون."
    merged = merge_text(base, theirs, mine)
    assert merged.conflicts == []
    assert merged.text() == "يجب على الدول الأعضاء أن تتعاون وأن تتبادل المعلومات."


_text = st.lists(
    st.sampled_from(["the", "States", "États", "الدول", ",", ".", " ", "\n\n", "should", "x"]),
    max_size=12,
).map("".join)


@settings(max_examples=200, deadline=None)
@given(base=_text, theirs=_text, mine=_text)
def test_regions_join_back_into_each_of_the_three_texts(base, theirs, mine):
    merged = merge_text(base, theirs, mine)
    assert "".join(r.base for r in merged.regions) == base
    assert "".join(r.theirs for r in merged.regions) == theirs
    assert "".join(r.mine for r in merged.regions) == mine
    all_theirs = {r.key: "theirs" for r in merged.conflicts}
    all_mine = {r.key: "mine" for r in merged.conflicts}
    if mine == base:
        assert merged.text(all_theirs) == theirs
    if theirs == base:
        assert merged.text(all_mine) == mine
    for region in merged.regions:
        start, end = region.span
        assert "".join(words(theirs)[start:end]) == region.theirs


# ---- choices ---------------------------------------------------------------------------------


def _conflicting_merge() -> Merge:
    heading = merge_text("Engage early", "Engage families early", "Engage schools early", name="h")
    body = merge_text(
        BASE, BASE.replace("first", "quickest"), BASE.replace("first", "last"), name="body"
    )
    return Merge(fields=(heading, body), base_revision=1, theirs_revision=2)


def test_choices_are_read_per_region_and_missing_ones_named():
    merge = _conflicting_merge()
    choices, problems = merge.read_choices({"choice-h-0": "both", "choice-body-0": ""})
    assert choices == {"h-0": "both"}
    assert problems == {"body-0": "Choose which text to keep here."}
    choices, problems = merge.read_choices({"choice-h-0": "theirs", "choice-body-0": "delete"})
    assert "body-0" in problems and "not one of the choices" in problems["body-0"]
    assert merge.resolve({"h-0": "both", "body-0": "mine"})["h"] == "Engage families schools early"


def test_forged_region_ids_are_refused():
    merge = _conflicting_merge()
    with pytest.raises(ValueError, match="do not exist"):
        merge.read_choices({"choice-h-0": "mine", "choice-body-7": "mine"})
    with pytest.raises(ValueError, match="do not exist"):
        merge.read_choices({"choice-../../etc": "mine"})


def test_signature_changes_with_the_regions():
    one = _conflicting_merge()
    assert one.signature == _conflicting_merge().signature
    other = Merge(fields=one.fields[:1], base_revision=1, theirs_revision=2)
    assert other.signature != one.signature


# ---- dropped words ---------------------------------------------------------------------------


def test_dropping_a_colleagues_added_words_is_detected():
    theirs = BASE + " Teachers need training."
    merged = merge_text(BASE, theirs, BASE, name="body", fallback_authors=(SARAH,))
    assert merged.dropped({}, merged.text()) == []
    (dropped,) = merged.dropped({}, BASE)
    assert (dropped.words, dropped.by) == ("Teachers need training.", str(SARAH))
    # Moving the words elsewhere, or onto a new line, is not dropping them.
    moved = "Teachers need training.\n" + BASE
    assert merged.dropped({}, moved) == []


def test_words_declined_by_an_explicit_choice_are_not_dropped_silently():
    theirs = BASE.replace("first", "quickest")
    merged = merge_text(BASE, theirs, BASE.replace("first", "last"), name="body")
    key = merged.conflicts[0].key
    final = merged.text({key: "mine"})
    assert merged.dropped({key: "mine"}, final) == []
    assert [d.words for d in merged.dropped({key: "theirs"}, final)] == ["quickest"]
    assert [d.words for d in merged.dropped({}, final)] == ["quickest"]


def test_drop_token_names_exactly_the_dropped_words():
    merged = merge_text(BASE, BASE + " One. Two.", BASE, name="body")
    assert drop_token(merged.dropped({}, BASE)) != drop_token(merged.dropped({}, BASE + " One."))
    assert drop_token([]) == drop_token([])


# ---- display ---------------------------------------------------------------------------------


def test_redline_marks_colleagues_and_own_changes_distinctly():
    theirs = BASE + " Teachers need training."
    mine = BASE.replace("often ", "")
    merged = merge_text(BASE, theirs, mine, fallback_authors=(SARAH,))
    html = str(merged.redline())
    assert '<ins class="theirs" title="added by Sarah Mitchell (United States)">' in html
    assert '<del class="mine" title="removed by you"> often</del>' in html


def test_redline_escapes_what_people_typed():
    hostile = '<script>alert(1)</script> <img src=x onerror="alert(1)">'
    merged = merge_text(
        "Plain.", "Plain. " + hostile, "Plainer.", fallback_authors=(Author('<b>"x"</b>', ""),)
    )
    html = str(merged.redline()) + "".join(
        str(r.theirs_html()) + str(r.mine_html()) for r in merged.regions
    )
    assert live_html_problems(html) == []
    assert "&lt;script&gt;" in html


# ---- attribution -----------------------------------------------------------------------------


def test_blame_names_who_inserted_and_who_deleted():
    result = blame(
        [
            ("one two three four", Author("", "")),
            ("one two 2b three four", SARAH),
            ("one three four five", JEAN),
        ]
    )
    assert [set(w) for w in result.words] == [set(), set(), set(), {JEAN}]
    assert result.of(1, 1) == {JEAN}  # the deletion of "two 2b" just before " three"
    assert result.of(0, 0) == set()  # nothing happened before "one"


def test_merge_of_saved_revisions_names_who_wrote_each_region(db, expert, other_expert):
    third = make_user("expert")
    document = make_document(by=expert, sections=1, practices=0)
    section = document.sections.get()
    practice = actions.create_practice(
        section, by=expert, heading="Engage early", body="Alpha beta gamma. Delta epsilon."
    )
    actions.update_practice(
        practice,
        by=other_expert,
        heading="Engage early",
        body="Alpha BETA gamma. Delta epsilon.",
        base_revision=1,
    )
    actions.update_practice(
        practice,
        by=third,
        heading="Engage early",
        body="Alpha BETA gamma. Delta EPSILON.",
        base_revision=2,
    )
    current = Practice.objects.get(pk=practice.pk)
    merge = merge_saved(
        current,
        base_revision=1,
        mine={"heading": "Engage early", "body": "Alpha bêta gamma. Delta épsilon."},
    )
    assert merge.base_known and merge.theirs_revision == 3
    assert [rev for rev, _ in merge.revisions] == [2, 3]
    first, second = merge.conflicts
    other, third_author = (
        f"{u.get_full_name()} ({u.profile.delegation.name})" for u in (other_expert, third)
    )
    assert first.by == other and second.by == third_author
    assert merge.by == f"{other} and {third_author}"
    # An older theirs revision can be merged too (the review page's check uses it).
    unchanged = {"heading": "Engage early", "body": "Alpha beta gamma. Delta epsilon."}
    older = merge_saved(current, base_revision=1, mine=unchanged, theirs_revision=2)
    assert older.clean and older.field("body").text() == "Alpha BETA gamma. Delta epsilon."


def test_unknown_base_revision_makes_every_difference_a_conflict(db, expert):
    document = make_document(by=expert, sections=1, practices=1)
    practice = Practice.objects.get(section__document=document)
    merge = merge_saved(
        practice, base_revision=99, mine={"heading": practice.heading, "body": "Other."}
    )
    assert not merge.base_known
    assert [r.key for r in merge.conflicts] == ["body-0"]
    assert merge.field("heading").conflicts == []  # identical text is not a conflict
