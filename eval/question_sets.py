"""Question sets in three formats, detected from their content.

1. citeqa JSONL: `{"id", "question" | "messages", "answerable", "key_facts",
   "reference_contexts", "reference_answer"?, "category"?}` a line.
2. llama-index `LabelledRagDataset` JSON: `{"examples": [{"query", "reference_contexts",
   "reference_answer", ...}]}`.
3. RAGAS rows, JSONL or CSV: `user_input`, `reference`, `reference_contexts`.
"""

from __future__ import annotations

import ast
import csv
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from citeqa.index.errors import DatasetError


@dataclass(frozen=True)
class Message:
    """One turn of a conversation."""

    role: str
    content: str


@dataclass(frozen=True)
class EvalCase:
    """One question (or conversation) with what a right answer holds."""

    id: str
    question: str
    answerable: bool
    key_facts: tuple[tuple[str, ...], ...] = ()
    reference_contexts: tuple[str, ...] = ()
    reference_answer: str = ""
    category: str = "uncategorised"
    messages: tuple[Message, ...] = field(default=())


def file_hash(path: Path) -> str:
    """SHA-256 of a file, to record which version of a question set was run."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_dataset(path: Path) -> list[EvalCase]:
    """Read a question set in any supported format."""
    if not path.is_file():
        raise DatasetError(f"{path}: no such file.")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise DatasetError(f"{path}: not UTF-8 text.") from None
    if path.suffix.lower() == ".csv":
        return _ragas_csv(path, text)
    stripped = text.lstrip()
    if stripped.startswith("{") and path.suffix.lower() == ".json":
        return _llama_index(path, stripped)
    return _jsonl(path, text)


def _jsonl(path: Path, text: str) -> list[EvalCase]:
    cases = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise DatasetError(f"{path}:{number}: not valid JSON ({error.msg}).") from None
        if not isinstance(row, dict):
            raise DatasetError(f"{path}:{number}: expected a JSON object.")
        where = f"{path}:{number}"
        cases.append(_ragas_row(row, where) if "user_input" in row else _citeqa_row(row, where))
    if not cases:
        raise DatasetError(f"{path}: no questions in the file.")
    _check_unique_ids(path, cases)
    return cases


def _citeqa_row(row: dict[str, Any], where: str) -> EvalCase:
    if "question" not in row and "messages" not in row:
        raise DatasetError(f"{where}: needs 'question' (or 'messages', or RAGAS 'user_input').")
    messages = tuple(_messages(row.get("messages"), where)) if "messages" in row else ()
    question = messages[-1].content if messages else _string(row, "question", where)
    answerable = row.get("answerable", True)
    if not isinstance(answerable, bool):
        raise DatasetError(f"{where}: 'answerable' must be true or false.")
    return EvalCase(
        id=str(row.get("id") or where.rsplit(":", 1)[-1]),
        question=question,
        answerable=answerable,
        key_facts=_key_facts(row.get("key_facts", []), where),
        reference_contexts=_strings(row.get("reference_contexts", []), "reference_contexts", where),
        reference_answer=str(row.get("reference_answer") or ""),
        category=str(row.get("category") or "uncategorised"),
        messages=messages,
    )


def _ragas_row(row: dict[str, Any], where: str) -> EvalCase:
    contexts = row.get("reference_contexts") or []
    if isinstance(contexts, str):
        contexts = _parse_list(contexts, where)
    contexts = _strings(contexts, "reference_contexts", where)
    reference = str(row.get("reference") or "")
    return EvalCase(
        id=str(row.get("id") or where.rsplit(":", 1)[-1]),
        question=_string(row, "user_input", where),
        answerable=bool(contexts or reference),
        reference_contexts=contexts,
        reference_answer=reference,
        category=str(row.get("category") or "ragas"),
    )


def _llama_index(path: Path, text: str) -> list[EvalCase]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise DatasetError(f"{path}:{error.lineno}: not valid JSON ({error.msg}).") from None
    examples = data.get("examples") if isinstance(data, dict) else None
    if not isinstance(examples, list):
        raise DatasetError(f"{path}: expected a LabelledRagDataset object with 'examples'.")
    cases = []
    for number, example in enumerate(examples, start=1):
        where = f"{path}: example {number}"
        if not isinstance(example, dict):
            raise DatasetError(f"{where}: expected an object.")
        contexts = _strings(example.get("reference_contexts") or [], "reference_contexts", where)
        reference = str(example.get("reference_answer") or "")
        cases.append(
            EvalCase(
                id=str(example.get("id") or number),
                question=_string(example, "query", where),
                answerable=bool(contexts or reference),
                reference_contexts=contexts,
                reference_answer=reference,
                category="llama-index",
            )
        )
    _check_unique_ids(path, cases)
    return cases


def _ragas_csv(path: Path, text: str) -> list[EvalCase]:
    reader = csv.DictReader(text.splitlines())
    if not reader.fieldnames or "user_input" not in reader.fieldnames:
        raise DatasetError(f"{path}:1: a RAGAS CSV needs a 'user_input' column.")
    cases = [_ragas_row(dict(row), f"{path}:{n}") for n, row in enumerate(reader, start=2)]
    if not cases:
        raise DatasetError(f"{path}: no questions in the file.")
    return cases


def _parse_list(text: str, where: str) -> list[Any]:
    for parse in (json.loads, ast.literal_eval):
        try:
            value = parse(text)
        except (ValueError, SyntaxError):
            continue
        if isinstance(value, list):
            return value
    raise DatasetError(f"{where}: 'reference_contexts' must be a list of strings.")


def _string(row: dict[str, Any], key: str, where: str) -> str:
    value = row.get(key)
    if not isinstance(value, str) or not value.strip():
        raise DatasetError(f"{where}: '{key}' must be a non-empty string.")
    return value


def _strings(value: Any, key: str, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise DatasetError(f"{where}: '{key}' must be a list of strings.")
    return tuple(value)


def _key_facts(value: Any, where: str) -> tuple[tuple[str, ...], ...]:
    if not isinstance(value, list):
        raise DatasetError(f"{where}: 'key_facts' must be a list of lists of wordings.")
    facts = []
    for fact in value:
        wordings = [fact] if isinstance(fact, str) else fact
        facts.append(_strings(wordings, "key_facts", where))
    return tuple(facts)


def _messages(value: Any, where: str) -> list[Message]:
    if not isinstance(value, list) or not value:
        raise DatasetError(f"{where}: 'messages' must be a non-empty list.")
    messages = []
    for item in value:
        if (
            not isinstance(item, dict)
            or item.get("role") not in ("user", "assistant")
            or not isinstance(item.get("content"), str)
        ):
            raise DatasetError(
                f"{where}: each message needs 'role' (user or assistant) and 'content'."
            )
        messages.append(Message(item["role"], item["content"]))
    if messages[-1].role != "user":
        raise DatasetError(f"{where}: the last message must be the user's.")
    return messages


def _check_unique_ids(path: Path, cases: list[EvalCase]) -> None:
    seen: set[str] = set()
    for case in cases:
        if case.id in seen:
            raise DatasetError(f"{path}: id '{case.id}' is used twice.")
        seen.add(case.id)
