"""Questions asked in several parts: "What did X do, and why did Y happen?" becomes two.

Each part is retrieved and answered on its own, so that the answer quotes a sentence for
each part instead of the one sentence that best matches the whole.
"""

from __future__ import annotations

import re

_SECOND_PART = re.compile(
    r",?\s+and\s+(?=(?:what|why|how|who|whom|where|when|which|is|are|was|were|did|does|do)\b)",
    re.IGNORECASE,
)
_MIN_PART_WORDS = 3


def split_parts(question: str) -> list[str]:
    """The parts of a question joined by ", and <question word>"; one part when there are none."""
    pieces = _SECOND_PART.split(question, maxsplit=1)
    if len(pieces) < 2:
        return [question]
    first, second = pieces[0].strip().rstrip(",?") + "?", pieces[1].strip()
    if min(len(first.split()), len(second.split())) < _MIN_PART_WORDS:
        return [question]
    return [first, second]
