"""Word-level redlines: exact on tricky inputs, escaped, and never losing a character."""

from hypothesis import given, settings
from hypothesis import strategies as st

from drafting.diff import redline_html, segments


def _sides(old: str, new: str) -> tuple[str, str]:
    segs = segments(old, new)
    return (
        "".join(s.text for s in segs if s.kind != "insert"),
        "".join(s.text for s in segs if s.kind != "delete"),
    )


def test_identical_texts_have_no_changes():
    assert redline_html("Same text.", "Same text.") == "Same text."
    assert segments("", "") == []


def test_one_word_replaced_is_marked_alone():
    html = redline_html("States should ensure respect.", "States must ensure respect.")
    assert html == "States <del>should</del><ins>must</ins> ensure respect."


def test_whole_text_added_or_removed():
    assert redline_html("", "New practice.") == "<ins>New practice.</ins>"
    assert redline_html("Old practice.", "") == "<del>Old practice.</del>"


def test_added_comma_is_marked_without_touching_the_words():
    assert redline_html("rights and duties", "rights, and duties") == (
        "rights<ins>,</ins> and duties"
    )


def test_changed_punctuation_mark_only():
    assert redline_html("Is it agreed.", "Is it agreed?") == "Is it agreed<del>.</del><ins>?</ins>"


def test_deleted_word_before_punctuation_keeps_the_full_stop():
    assert redline_html("local communities.", "communities.") == "<del>local </del>communities."


def test_moved_words_show_as_deleted_at_old_place_and_inserted_at_new():
    html = redline_html(
        "Prevention programmes involve families and schools.",
        "Prevention programmes involve schools and families.",
    )
    assert "<del>" in html and "<ins>" in html
    old, new = _sides(
        "Prevention programmes involve families and schools.",
        "Prevention programmes involve schools and families.",
    )
    assert old == "Prevention programmes involve families and schools."
    assert new == "Prevention programmes involve schools and families."
    assert html.startswith("Prevention programmes involve ")


def test_french_accents_are_whole_words():
    html = redline_html(
        "Les États membres devraient protéger les données.",
        "Les États membres doivent protéger les données personnelles.",
    )
    assert html == (
        "Les États membres <del>devraient</del><ins>doivent</ins> protéger les données"
        "<ins> personnelles</ins>."
    )


def test_accent_change_marks_the_word():
    assert redline_html("le role des familles", "le rôle des familles") == (
        "le <del>role</del><ins>rôle</ins> des familles"
    )


def test_arabic_words_are_whole_tokens():
    html = redline_html("ينبغي للدول الأعضاء حماية الحقوق", "يجب على الدول الأعضاء حماية الحقوق")
    assert "الأعضاء حماية الحقوق" in html
    assert "<del>ينبغي للدول</del>" in html
    assert "<ins>يجب على الدول</ins>" in html


def test_html_in_text_is_escaped():
    html = redline_html("<b>bold</b> text", "<script>alert('x')</script> text")
    assert "<script" not in html and "<b>" not in html and "</b>" not in html
    assert html.startswith("&lt;<del>b</del><ins>script</ins>&gt;")
    assert "alert(&#x27;x&#x27;)" in html


def test_paragraph_break_is_a_change_of_its_own():
    old, new = "First paragraph. Second paragraph.", "First paragraph.\n\nSecond paragraph."
    segs = segments(old, new)
    assert [s.kind for s in segs] == ["equal", "delete", "insert", "equal"]
    assert segs[1].text == " " and segs[2].text == "\n\n"


def test_markdown_marks_are_diffed_as_typed():
    assert redline_html("an *important* step", "an **important** step") == (
        "an *<ins>*</ins>important<ins>*</ins>* step"
    )


def test_replacing_several_neighbouring_words_reads_as_one_change():
    assert redline_html("one two three four", "one five six four") == (
        "one <del>two three</del><ins>five six</ins> four"
    )


_texts = st.lists(
    st.sampled_from(list("ab é,.;<&") + ["\n", "\n\n", "  ", "الدول", "État"]), max_size=30
).map("".join)


@settings(max_examples=300, deadline=None)
@given(_texts, _texts)
def test_segments_rebuild_both_texts_exactly(old, new):
    assert _sides(old, new) == (old, new)


@settings(max_examples=200, deadline=None)
@given(_texts, _texts)
def test_changes_are_grouped_deletion_before_insertion(old, new):
    kinds = [s.kind for s in segments(old, new)]
    for a, b in zip(kinds, kinds[1:], strict=False):
        assert (a, b) != ("insert", "delete")
        assert a != b


def test_redline_memo_is_bounded_by_memory_not_by_entries(monkeypatch):
    """Issue 13: two redlines a practice overflowed a 4,096-entry memo above 2,000 practices."""
    from drafting import diff, text

    memo = text.Memo(200_000)
    monkeypatch.setattr(diff, "_memo", memo)
    # Many small redlines: far more than 4,096 entries fit when they are small.
    for i in range(6_000):
        redline_html(f"Good practice {i}.", f"Good practice {i}, revised.")
    assert len(memo) < 6_000  # 200 KB cannot hold them all...
    assert memo.bytes <= 200_000  # ...and never holds more than its budget
    monkeypatch.setattr(diff, "_memo", text.Memo(64 << 20))
    for i in range(6_000):
        redline_html(f"Good practice {i}.", f"Good practice {i}, revised.")
    assert len(diff._memo) == 6_000

    # A redline larger than the whole memo is computed and returned, not kept.
    monkeypatch.setattr(diff, "_memo", text.Memo(1_000))
    long = "word " * 2_000
    assert redline_html(long, long + "more").endswith("<ins>more</ins>")
    assert len(diff._memo) == 0
