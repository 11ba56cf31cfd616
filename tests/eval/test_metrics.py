"""Each metric on cases small enough to compute by hand."""

import math

import pytest

from citeqa.eval import metrics as m

DOC = "Cats purr. Dogs bark loudly. Birds sing at dawn. Fish swim."
CATS, DOGS, BIRDS, FISH = (
    m.Span("d", 0, 10, "Cats purr."),
    m.Span("d", 11, 28, "Dogs bark loudly."),
    m.Span("d", 29, 48, "Birds sing at dawn."),
    m.Span("d", 49, 59, "Fish swim."),
)


def test_spans_agree_with_the_document() -> None:
    for span in (CATS, DOGS, BIRDS, FISH):
        assert DOC[span.start : span.end] == span.text


def test_normalise_folds_case_quotes_dashes_and_punctuation() -> None:
    assert m.normalise("Iran’s  “Strategic—Patience”!") == "iran s strategic patience"


def test_a_passage_matches_by_containment_or_by_span_overlap() -> None:
    two = m.Span("d", 0, 28, "Cats purr. Dogs bark loudly.")
    assert m.matches(two, DOGS)
    assert m.matches(m.Span("d", 20, 40, "loudly. Birds sing"), BIRDS)  # overlap only
    assert not m.matches(FISH, DOGS)
    assert m.matches(m.Span("other", 0, 0, "… Dogs bark loudly …"), DOGS)  # text only


def test_retrieval_metrics_by_hand() -> None:
    retrieved = [FISH, DOGS, CATS]
    references = [DOGS, BIRDS]
    assert m.hit_at_k(retrieved, references, 1) == 0.0
    assert m.hit_at_k(retrieved, references, 2) == 1.0
    assert m.recall_at_k(retrieved, references, 3) == 0.5
    assert m.mrr_at_k(retrieved, references, 3) == 0.5
    # DCG = 1/log2(3); IDCG = 1/log2(2) + 1/log2(3)
    expected = (1 / math.log2(3)) / (1 + 1 / math.log2(3))
    assert m.ndcg_at_k(retrieved, references, 3) == pytest.approx(expected)
    assert m.ndcg_at_k([DOGS, BIRDS], references, 2) == pytest.approx(1.0)


def test_retrieval_metrics_without_references_are_zero() -> None:
    assert m.recall_at_k([CATS], [], 1) == m.ndcg_at_k([CATS], [], 1) == 0.0


def test_key_facts_need_a_whole_wording() -> None:
    answer = "The strike killed seven commanders, including two generals. [1]"
    assert m.has_fact(answer, ["Seven", "7"])
    assert not m.has_fact("It happened in 1977 [1]", ["7"])
    assert m.key_fact_recall(answer, [["seven"], ["three generals"]]) == 0.5
    assert m.key_fact_accuracy(answer, [["seven"], ["two generals"]]) == 1.0
    assert m.key_fact_accuracy(answer, [["seven"], ["three generals"]]) == 0.0


def test_squad_exact_match_and_token_f1() -> None:
    assert m.exact_match("The Seven commanders. [1]", "seven commanders") == 1.0
    # predicted: seven commanders were killed (4); gold: seven commanders (2); common 2
    # precision 2/4, recall 2/2 → F1 = 2·0.5·1/1.5 = 2/3
    assert m.token_f1("Seven commanders were killed. [1]", "seven commanders") == pytest.approx(
        2 / 3
    )
    assert m.token_f1("nothing alike", "seven") == 0.0


def test_word_count_ignores_markers() -> None:
    assert m.word_count("Cats purr. [1] Dogs bark. [2]") == 4


def test_marker_validity_requires_markers_and_citations_to_match() -> None:
    assert m.marker_validity("A. [1] B. [2]", [1, 2]) == 1.0
    assert m.marker_validity("A. [1] B. [3]", [1, 2]) == 0.0
    assert m.marker_validity("A. [1]", [1, 2]) == 0.0


def test_citation_coverage_counts_marked_sentences() -> None:
    assert m.citation_coverage("A cat. [1] A dog. [2]") == 1.0
    assert m.citation_coverage("A cat [1]. An unsupported claim. Another [2].") == pytest.approx(
        2 / 3
    )
    assert m.citation_coverage("By Vali Nasr [1]") == 1.0
    assert m.citation_coverage("") == 0.0


def test_evidence_and_precision_of_citations() -> None:
    quotes = [DOGS, FISH]
    assert m.has_evidence(quotes, [DOGS]) == 1.0
    assert m.has_evidence([CATS], [m.Span("d", 0, 28, "Cats purr. Dogs bark loudly.")]) == 1.0
    assert m.has_evidence([FISH], [DOGS]) == 0.0
    assert m.citation_precision(quotes, [DOGS]) == 0.5
    assert m.citation_precision([], [DOGS]) == 0.0


def test_percentile_interpolates() -> None:
    assert m.percentile([1, 2, 3, 4], 50) == 2.5
    assert m.percentile([10, 20, 30, 40, 50], 95) == pytest.approx(48.0)
    assert m.percentile([], 50) == 0.0
