"""The text score of benchmarks/bench_extract.py (#10): the article-extraction-benchmark's
aggregation, and expected text read with its block boundaries."""

from __future__ import annotations

import sys

import lxml.html
import pytest

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_extract import Score, block_text, lost_spans, score, summary, words

STORY = "the council voted on tuesday to spend more on parks and less on roads"


def test_block_text_keeps_words_apart_across_blocks_and_line_breaks() -> None:
    html = (
        "<div><p>First paragraph ends</p><p>Second starts here</p>one<br>two"
        "<ul><li>alpha</li><li>beta</li></ul><table><tr><td>cell</td><td>next</td></tr></table>"
        "<figure><img alt='not text'><figcaption>A caption</figcaption></figure>"
        "<p>in<b>line</b> <!-- a comment --> stays</p></div>"
    )
    element = lxml.html.fromstring(html)
    assert "endsSecond" in element.text_content()  # what the scorer read before
    expected = "first paragraph ends second starts here one two alpha beta cell next a caption"
    assert " ".join(words(block_text(element))) == f"{expected} inline stays"


def test_score_counts_grams_with_their_multiplicity() -> None:
    assert score(STORY, STORY) == Score(1.0, 1.0, 1.0)
    half = score(STORY, f"{STORY} {STORY}")
    assert half.precision == 1.0
    assert half.recall == pytest.approx(11 / 25)
    assert half.f1 == pytest.approx(2 * 11 / (11 + 25))
    assert score("", STORY) == Score(None, 0.0, 0.0)
    assert score("", "") == Score(1.0, 1.0, 1.0)


def test_summary_is_the_harmonic_mean_of_averaged_precision_and_recall() -> None:
    pages = [Score(1.0, 0.5, 2 / 3), Score(0.5, 1.0, 2 / 3), Score(None, 0.0, 0.0)]
    f1, precision, recall, page_f1 = summary(pages)
    # The page without output is left out of the precision average, not of the recall one.
    assert precision == pytest.approx(0.75)
    assert recall == pytest.approx(0.5)
    assert f1 == pytest.approx(2 * 0.75 * 0.5 / 1.25)
    assert page_f1 == pytest.approx(4 / 9)


def test_lost_spans_are_the_expected_words_no_matched_gram_covers() -> None:
    truth = f"{STORY} and a closing line the extractor dropped entirely"
    assert lost_spans(truth, STORY) == ["and a closing line the extractor dropped entirely"]
    assert lost_spans(truth, truth) == []
    assert lost_spans(f"{STORY} {STORY}", STORY) == [STORY]  # the second copy: multiplicity
