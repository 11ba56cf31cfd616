"""Questions about a whole document ("What is this about?", "Summarize it"), recognised by
meaning: a question close enough to one of the examples in
`prompts/whole-document-questions.txt` asks for the document as a whole, unless it names
someone or something of the documents by name ("What does it say about Jordan?" asks
about Jordan). A document's title or author in the question is left out before the comparison.
"""

from __future__ import annotations

from collections.abc import Container

import numpy as np

from citeqa.index.embedding import Embedder, Vectors
from citeqa.index.terms import terms
from citeqa.index.vocabulary import NAME
from citeqa.prompts import load_prompt

# Least cosine similarity to the nearest example, with the bundled model. Measured: of the
# questions of the four gated sets that name nothing the documents speak of, the closest
# scores 0.445 ("What does the author suggest so that…"); whole-document questions in other
# words than the examples score 0.60 ("What are the key takeaways?") and above.
WHOLE_DOCUMENT_SIMILARITY = 0.55


class WholeDocumentQuestions:
    """Recognises questions that ask about a whole document."""

    def __init__(self, embedder: Embedder, threshold: float = WHOLE_DOCUMENT_SIMILARITY) -> None:
        self.embedder = embedder
        self.threshold = threshold
        self.examples = [
            line.strip() for line in load_prompt("whole-document-questions").splitlines()
        ]
        # Embedded once, when the engine opens, not on a question's path.
        self._vectors = embedder.embed(self.examples)

    def similarity(self, vector: Vectors) -> float:
        """How close a question's vector is to the nearest example."""
        return float(np.max(self._vectors @ vector))

    def asked(
        self,
        question: str,
        vector: Vectors,
        byline_terms: Container[str],
        spoken_of: Container[str],
    ) -> bool:
        """Whether the question asks about a whole document. `byline_terms` are the search
        terms that name documents (their titles, authors, initials), `spoken_of` those that
        occur in the documents."""
        said = terms(question)
        named = {t for m in NAME.finditer(question) for t in terms(m.group())}
        if any(t in spoken_of and t not in byline_terms for t in named):
            return False  # it names someone or something of the documents: about that
        if any(t in byline_terms for t in said):
            rest = " ".join(
                w for w in question.split() if not any(t in byline_terms for t in terms(w))
            )
            vector = self.embedder.embed_query(rest or question)
        return self.similarity(vector) >= self.threshold
