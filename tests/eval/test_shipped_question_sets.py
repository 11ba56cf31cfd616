"""The shipped question sets are well formed and quote their documents verbatim."""

from pathlib import Path

import pytest

from citeqa.eval.metrics import normalise
from citeqa.eval.question_sets import load_dataset
from citeqa.eval.session import EVAL_DIR
from citeqa.index.documents import load_document
from tests.conftest import ARTICLE

DATASETS = EVAL_DIR / "datasets"
CORPUS = sorted((DATASETS / "corpus").glob("*.txt"))
CONSTITUTION = sorted((DATASETS / "constitution").glob("*.txt"))


@pytest.mark.parametrize(
    ("name", "documents"),
    [
        ("article.jsonl", [ARTICLE]),
        ("article-dialogues.jsonl", [ARTICLE]),
        ("founding.jsonl", CORPUS),
        ("constitution.jsonl", CONSTITUTION),
    ],
)
def test_every_reference_context_is_verbatim_in_the_cleaned_documents(
    name: str, documents: list[Path]
) -> None:
    texts = [load_document(path).text for path in documents]
    for case in load_dataset(DATASETS / name):
        for context in case.reference_contexts:
            assert any(context in text for text in texts), f"{case.id}: {context!r}"
        for fact in case.key_facts:
            quoted = " ".join(normalise(c) for c in case.reference_contexts)
            assert any(normalise(w) in quoted for w in fact), f"{case.id}: {fact}"


def test_the_article_set_covers_what_the_evaluation_promises() -> None:
    cases = load_dataset(DATASETS / "article.jsonl")
    answerable = [c for c in cases if c.answerable]
    unanswerable = [c for c in cases if not c.answerable]
    assert len(cases) >= 60 and len(answerable) >= 45 and len(unanswerable) >= 12
    assert all(not c.key_facts and not c.reference_contexts for c in unanswerable)
    assert {"fact", "why", "multi", "paraphrase", "keyword", "byline", "injection"} <= {
        c.category for c in cases
    }
