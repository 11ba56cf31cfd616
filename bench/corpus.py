"""Scaled corpora for benchmarks, generated from public-domain text.

A word-level Markov chain learned from the public-domain texts under
`eval/datasets/corpus/` writes documents of paragraphs of 50–120 words, so each paragraph
becomes one passage. The text reads like its sources without repeating them, which keeps
passages distinct (distinct vectors, distinct BM25 terms) at any scale. Deterministic for a
seed; nothing is stored, only generated.

    python -m bench.corpus --chunks 10000 --out /tmp/corpus-10k
"""

from __future__ import annotations

import argparse
import random
import re
from collections import defaultdict
from pathlib import Path

SOURCES = Path(__file__).resolve().parent.parent / "eval" / "datasets" / "corpus"
PARAGRAPHS_PER_DOCUMENT = 40
_SENTENCE_END = re.compile(r"[.!?]$")


class MarkovWriter:
    """Writes sentences whose word pairs all occur in the source texts."""

    def __init__(self, texts: list[str], seed: int) -> None:
        self._random = random.Random(seed)
        self._next: dict[tuple[str, str], list[str]] = defaultdict(list)
        self._starts: list[tuple[str, str]] = []
        for text in texts:
            words = text.split()
            for i in range(len(words) - 2):
                pair = (words[i], words[i + 1])
                self._next[pair].append(words[i + 2])
                starts_sentence = i == 0 or _SENTENCE_END.search(words[i - 1])
                if starts_sentence and words[i][:1].isupper():
                    self._starts.append(pair)

    def sentence(self, max_words: int = 30) -> str:
        """One sentence, cut at the first sentence end or at `max_words`."""
        first, second = self._random.choice(self._starts)
        words = [first, second]
        while len(words) < max_words and not _SENTENCE_END.search(words[-1]):
            following = self._next.get((words[-2], words[-1]))
            if not following:
                break
            words.append(self._random.choice(following))
        text = " ".join(words).rstrip(",;:—-")
        return text if _SENTENCE_END.search(text) else text + "."

    def paragraph(self, low: int = 50, high: int = 90) -> str:
        """Sentences until the paragraph holds between `low` and `high` words."""
        target = self._random.randint(low, high)
        sentences: list[str] = []
        while sum(len(s.split()) for s in sentences) < target:
            sentences.append(self.sentence())
        return " ".join(sentences)


def documents(chunks: int, seed: int = 0) -> list[tuple[str, str]]:
    """(title, text) pairs holding about `chunks` passages in all."""
    texts = [path.read_text(encoding="utf-8") for path in sorted(SOURCES.glob("*.txt"))]
    writer = MarkovWriter(texts, seed)
    generated = []
    for number in range((chunks + PARAGRAPHS_PER_DOCUMENT - 1) // PARAGRAPHS_PER_DOCUMENT):
        count = min(PARAGRAPHS_PER_DOCUMENT, chunks - number * PARAGRAPHS_PER_DOCUMENT)
        title = f"Generated paper {number + 1}"
        paragraphs = [writer.paragraph() for _ in range(count)]
        generated.append((title, "\n\n".join(paragraphs)))
    return generated


def write(chunks: int, out: Path, seed: int = 0) -> list[Path]:
    """Write the documents as `.txt` files under `out`; the list of files."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for number, (title, text) in enumerate(documents(chunks, seed), start=1):
        path = out / f"paper-{number:05d}.txt"
        path.write_text(f"{title}\n\n{text}\n", encoding="utf-8")
        paths.append(path)
    return paths


def main() -> None:
    """Write a generated corpus to a folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=1000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    paths = write(args.chunks, args.out, args.seed)
    print(f"{len(paths)} documents under {args.out}")


if __name__ == "__main__":
    main()
