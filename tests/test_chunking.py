"""Passages are sentence-aware, token-sized, and exact slices of their article."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from rag.chunking import chunk_text
from rag.evidence import _shown
from rag.loaders import discover, load_file
from rag.nlp import QUOTATION_SENTENCES, QUOTATION_WORDS, Span, count_tokens, quotation_runs, sentence_spans
from rag.retrieve import Excerpt

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def check_passages(text: str, size: int, overlap: int) -> None:
    passages = chunk_text(text, size, overlap)
    assert [p.index for p in passages] == list(range(len(passages)))
    for p in passages:
        assert text[p.start : p.end] == p.text
        assert p.text == p.text.strip()
    # Nothing is lost: every non-space character lies in some passage.
    covered = [False] * len(text)
    for p in passages:
        covered[p.start : p.end] = [True] * (p.end - p.start)
    assert all(c or text[i].isspace() for i, c in enumerate(covered))
    # Passages move forward.
    assert all(a.start < b.start and a.end < b.end for a, b in pairwise(passages))


def test_seed_passages_keep_offsets_and_size() -> None:
    for path in sorted(SEEDS.iterdir()):
        (article,), _ = load_file(path, 10**6)
        passages = chunk_text(article.text, 120, 24)
        assert len(passages) > 3
        check_passages(article.text, 120, 24)
        for p in passages:
            assert count_tokens(p.text) <= 120 + 8  # joins between sentences add a token or so


def test_passages_end_on_sentence_boundaries() -> None:
    text = "Rubio spoke in Paris. Peskov replied from Moscow. " * 30 + "Talks resume in London."
    ends = {s.end for s in sentence_spans(text)}
    for p in chunk_text(text, 40, 10):
        assert p.end in ends


def test_headings_are_sentences_of_their_own() -> None:
    text = "Background: The Long Road\nThe United States has played a role."
    assert [text[s.start : s.end] for s in sentence_spans(text)] == [
        "Background: The Long Road",
        "The United States has played a role.",
    ]


def test_sentences_a_scrape_glued_together_are_two() -> None:
    """The seed's caption "Rubio with French counterpart Jean-Noel Barrot ..." was glued to the sentence before it
    ("... achieved.Rubio"), so "Who is Rubio's French counterpart?" could only be answered by quoting both."""
    text = "Washington may pull back unless progress is achieved.Rubio with French counterpart Jean-Noel Barrot"
    assert [text[s.start : s.end] for s in sentence_spans(text)] == [
        "Washington may pull back unless progress is achieved.",
        "Rubio with French counterpart Jean-Noel Barrot",
    ]
    for whole in ("Calls go through TalkTalk and One.Tel at a discount.", "Its value rose 3.5% to 2.1bn."):
        assert [whole[s.start : s.end] for s in sentence_spans(whole)] == [whole]


def quotation_spans(text: str) -> list[Span]:
    """The sentences of `text`, those a quotation runs across joined into one."""
    sentences = sentence_spans(text)
    return [Span(sentences[run.start].start, sentences[run[-1]].end) for run in quotation_runs(text, sentences)]


def test_a_quotation_over_several_sentences_is_one_span() -> None:
    """A sentence inside a quotation opened before it is read and shown with the quotation's opening: "It remains in
    place unless a new order is issued by President Putin.”" alone says neither who said it nor what "it" is."""
    text = (
        "Speaking to Reuters, Peskov stated, “There has been no change in the directive concerning the moratorium. "
        "It remains in place unless a new order is issued by President Putin.” However, hours later missiles fell.\n"
        '"We are delighted. It is a great result," he said. "The fans were superb."\n'
        '"I was with that label for a year. He added: "The album will come out in December.\n'
        "He was 5' 10\" tall. Police said so."
    )
    assert [text[s.start : s.end] for s in quotation_spans(text)] == [
        "Speaking to Reuters, Peskov stated, “There has been no change in the directive concerning the moratorium. "
        "It remains in place unless a new order is issued by President Putin.”",
        "However, hours later missiles fell.",
        '"We are delighted. It is a great result," he said.',
        '"The fans were superb."',
        '"I was with that label for a year.',  # left open by the scrape; the next sentence opens a quotation
        'He added: "The album will come out in December.',
        "He was 5' 10\" tall.",  # inches, not a quotation
        "Police said so.",
    ]


def test_a_quotation_left_open_joins_a_few_sentences_at_most() -> None:
    text = '"An unclosed quotation begins here. ' + " ".join(f"Sentence {i} of it goes on." for i in range(12))
    spans = quotation_spans(text)
    sentences = sentence_spans(text)
    assert {s.start for s in spans} <= {s.start for s in sentences} and spans[-1].end == sentences[-1].end
    first = text[spans[0].start : spans[0].end]
    assert sum(1 for s in sentences if spans[0].start <= s.start < spans[0].end) <= QUOTATION_SENTENCES
    assert len(spans) > 1 and len(first.split()) <= QUOTATION_WORDS


def test_a_quotation_is_shown_only_as_far_as_its_passage_holds_it() -> None:
    """A citation quotes its passage (`quote_start` and `quote_end` lie within `start` and `end`): a quotation that
    runs past the passage is shown from the sentences the passage holds."""
    text = 'He said: "The first sentence is here. The second is here. The third one ends it."'
    spans = sentence_spans(text)
    assert len(spans) == 3

    def excerpt(start: int, end: int) -> Excerpt:
        return Excerpt("a", "t", None, None, None, start, end, text[start:end], 1.0)

    whole, _ = _shown(text, spans, 1, excerpt(0, len(text)))
    assert (whole.start, whole.end) == (0, len(text))
    first_two, _ = _shown(text, spans, 1, excerpt(0, spans[1].end))
    assert (first_two.start, first_two.end) == (0, spans[1].end)
    alone, before = _shown(text, spans, 2, excerpt(spans[2].start, len(text)))
    assert (alone.start, alone.end) == (spans[2].start, spans[2].end) and before == text[spans[1].start : spans[1].end]


def test_overlap_repeats_whole_sentences() -> None:
    text = " ".join(f"Sentence number {i} says something new." for i in range(40))
    passages = chunk_text(text, 60, 20)
    for a, b in pairwise(passages):
        assert b.start < a.end  # they overlap
        assert text[b.start : a.end].endswith(".")


def test_sentence_longer_than_the_passage_is_cut_at_words() -> None:
    text = "word " * 500 + "end."
    passages = chunk_text(text.strip(), 50, 10)
    assert len(passages) > 5
    assert all(count_tokens(p.text) <= 55 for p in passages)
    check_passages(text.strip(), 50, 10)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.text(alphabet=st.sampled_from("abc XYZ.,!?\n\"'£é—"), min_size=1, max_size=80), min_size=1, max_size=30
    ),
    st.integers(16, 80),
)
def test_any_text_keeps_the_offset_invariant(parts: list[str], size: int) -> None:
    text = " ".join(parts).strip()
    if text:
        check_passages(text, size, size // 4)


def test_every_bbc_passage_is_an_exact_slice(bbc: Path) -> None:
    files = discover([bbc]).files
    assert len(files) == 2225
    n = 0
    for path in files:
        for article in load_file(path, 10**7)[0]:
            for p in chunk_text(article.text, 160, 32):
                assert article.text[p.start : p.end] == p.text, (path, p.index)
                n += 1
    assert n > 2225
