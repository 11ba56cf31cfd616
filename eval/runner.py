"""Run a question set against a target and score every answer."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from statistics import median
from typing import Any

from citeqa.eval import metrics as m
from citeqa.eval.question_sets import EvalCase
from citeqa.eval.targets import Target
from citeqa.index.errors import TargetError

# Metrics where a lower value is better: `--fail-over` caps them, `--fail-under` does not apply.
LOWER_IS_BETTER = frozenset(
    {"false_refusal_rate", "latency_p50_ms", "latency_p95_ms", "median_answer_words", "errors"}
)


@dataclass
class QuestionResult:
    """One question's answer, citations and scores."""

    id: str
    category: str
    question: str
    answerable: bool
    answered: bool = False
    answer: str = ""
    citations: list[dict[str, Any]] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)
    latency_ms: float = 0.0
    error: str = ""

    @property
    def passed(self) -> bool:
        """Right for a user: answerable → answered with every fact; unanswerable → refused."""
        if self.error:
            return False
        if not self.answerable:
            return not self.answered
        return self.answered and self.scores.get("key_fact_accuracy", 1.0) == 1.0

    def as_row(self) -> dict[str, Any]:
        """A flat record for the reports."""
        return {**asdict(self), "passed": self.passed}


def evaluate(
    target: Target,
    cases: Sequence[EvalCase],
    top_k: int | None = None,
    on_done: Callable[[QuestionResult], None] | None = None,
    mode: str = "extractive",
) -> list[QuestionResult]:
    """Ask every case and score it; a failed request is recorded, not raised."""
    results = []
    for case in cases:
        result = QuestionResult(case.id, case.category, case.question, case.answerable)
        try:
            body, result.latency_ms = target.ask(case, top_k, mode)
        except TargetError as error:
            result.error = str(error)
        else:
            _score(target, case, body, result)
        results.append(result)
        if on_done:
            on_done(result)
    return results


def _score(target: Target, case: EvalCase, body: dict[str, Any], result: QuestionResult) -> None:
    result.answered = bool(body["answered"])
    result.answer = str(body["answer"])
    result.citations = list(body["citations"])
    passages = [
        m.Span(p["document_id"], p["start"], p["end"], p["text"])
        for p in body.get("passages") or []
    ]
    quotes = [m.Span(c["document_id"], c["start"], c["end"], c["quote"]) for c in result.citations]
    documents = list(dict.fromkeys(span.document_id for span in [*passages, *quotes]))
    references = [_locate(target, text, documents) for text in case.reference_contexts]
    scores = result.scores
    if references and passages:  # no passages: nothing was retrieved to rank
        k_max = len(passages)
        for k in sorted({1, 3, k_max}):
            if 0 < k <= k_max:
                scores[f"hit@{k}"] = m.hit_at_k(passages, references, k)
        scores[f"recall@{k_max}"] = m.recall_at_k(passages, references, k_max)
        scores[f"mrr@{k_max}"] = m.mrr_at_k(passages, references, k_max)
        scores[f"ndcg@{k_max}"] = m.ndcg_at_k(passages, references, k_max)
    if case.answerable:
        scores["evidence"] = m.has_evidence(quotes, references) if result.answered else 0.0
        if quotes and references:
            scores["citation_precision"] = m.citation_precision(quotes, references)
    if case.key_facts:
        scores["key_fact_accuracy"] = m.key_fact_accuracy(result.answer, case.key_facts)
        scores["key_fact_recall"] = m.key_fact_recall(result.answer, case.key_facts)
    if case.reference_answer:
        scores["exact_match"] = m.exact_match(result.answer, case.reference_answer)
        scores["token_f1"] = m.token_f1(result.answer, case.reference_answer)
    if result.answered:
        scores["answer_words"] = m.word_count(result.answer)
        markers = [int(c["marker"]) for c in result.citations]
        scores["marker_validity"] = m.marker_validity(result.answer, markers)
        scores["citation_coverage"] = m.citation_coverage(result.answer)


def _locate(target: Target, text: str, documents: list[str]) -> m.Span:
    """The reference context's span in one of the documents, or a text-only span."""
    for document_id in documents:
        start = target.document_text(document_id).find(text)
        if start >= 0:
            return m.Span(document_id, start, start + len(text), text)
    return m.Span("", -1, -1, text)


def summarise(results: Sequence[QuestionResult], chunk_count: int) -> dict[str, Any]:
    """Every metric over all questions, and per category."""
    categories = sorted({r.category for r in results})
    return {
        "overall": _aggregate(results, chunk_count),
        "categories": {
            c: _aggregate([r for r in results if r.category == c], chunk_count) for c in categories
        },
    }


def _aggregate(results: Sequence[QuestionResult], chunk_count: int) -> dict[str, float]:
    answerable = [r for r in results if r.answerable and not r.error]
    unanswerable = [r for r in results if not r.answerable and not r.error]
    answered = [r for r in results if r.answered]
    summary: dict[str, float] = {
        "questions": len(results),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "errors": sum(bool(r.error) for r in results),
        "passed_rate": m.mean([float(r.passed) for r in results]),
    }
    score_names = sorted({name for r in results for name in r.scores} - {"answer_words"})
    for name in score_names:
        values = [r.scores[name] for r in results if name in r.scores]
        summary[name] = m.mean(values)
        if name.startswith("hit@"):
            k = int(name.split("@")[1])
            summary[f"chance@{k}"] = min(1.0, k / chunk_count) if chunk_count else 0.0
    if "evidence" in summary:
        summary["evidence_rate"] = summary.pop("evidence")
    words = [r.scores["answer_words"] for r in answered if "answer_words" in r.scores]
    if words:
        summary["median_answer_words"] = float(median(words))
    if unanswerable:
        summary["refusal_rate"] = m.mean([float(not r.answered) for r in unanswerable])
    if answerable:
        summary["false_refusal_rate"] = m.mean([float(not r.answered) for r in answerable])
    latencies = [r.latency_ms for r in results if not r.error]
    summary["latency_p50_ms"] = m.percentile(latencies, 50)
    summary["latency_p95_ms"] = m.percentile(latencies, 95)
    return summary


def check_thresholds(
    overall: dict[str, float], under: dict[str, float], over: dict[str, float]
) -> list[str]:
    """One message per metric below its `--fail-under` floor or above its `--fail-over` cap."""
    failures = [
        f"{name} = {overall.get(name, 0.0):.3f}, below the threshold {floor}"
        for name, floor in under.items()
        if overall.get(name, 0.0) < floor
    ]
    failures += [
        f"{name} = {overall.get(name, 0.0):.3f}, above the limit {cap}"
        for name, cap in over.items()
        if overall.get(name, 0.0) > cap
    ]
    return failures
