import json
from pathlib import Path

import pytest

from citeqa.eval.question_sets import EvalCase, load_dataset
from citeqa.index.errors import DatasetError

CONTEXT = "Iran generally refrained from responding directly."


def test_citeqa_jsonl_loads_every_field(tmp_path: Path) -> None:
    path = tmp_path / "set.jsonl"
    row = {
        "id": "q1",
        "question": "Did Iran respond directly?",
        "answerable": True,
        "key_facts": [["refrained", "did not"]],
        "reference_contexts": [CONTEXT],
        "reference_answer": "No, it generally refrained.",
        "category": "fact",
    }
    path.write_text(json.dumps(row) + "\n\n")
    assert load_dataset(path) == [
        EvalCase(
            id="q1",
            question="Did Iran respond directly?",
            answerable=True,
            key_facts=(("refrained", "did not"),),
            reference_contexts=(CONTEXT,),
            reference_answer="No, it generally refrained.",
            category="fact",
        )
    ]


def test_conversations_take_the_last_user_message_as_the_question(tmp_path: Path) -> None:
    path = tmp_path / "dialogues.jsonl"
    messages = [
        {"role": "user", "content": "Who was killed?"},
        {"role": "assistant", "content": "Zahedi. [1]"},
        {"role": "user", "content": "Why was he important?"},
    ]
    path.write_text(json.dumps({"id": "d1", "messages": messages, "answerable": True}) + "\n")
    case = load_dataset(path)[0]
    assert case.question == "Why was he important?"
    assert [m.role for m in case.messages] == ["user", "assistant", "user"]


def test_llama_index_labelled_rag_dataset_loads(tmp_path: Path) -> None:
    path = tmp_path / "rag_dataset.json"
    data = {
        "examples": [
            {
                "query": "Did Iran respond directly?",
                "query_by": {"model_name": "x", "type": "ai"},
                "reference_contexts": [CONTEXT],
                "reference_answer": "It refrained.",
                "reference_answer_by": None,
            }
        ]
    }
    path.write_text(json.dumps(data))
    (case,) = load_dataset(path)
    assert (case.question, case.answerable, case.reference_contexts) == (
        "Did Iran respond directly?",
        True,
        (CONTEXT,),
    )
    assert case.reference_answer == "It refrained."


def test_ragas_rows_load_from_jsonl_and_csv(tmp_path: Path) -> None:
    jsonl = tmp_path / "ragas.jsonl"
    jsonl.write_text(
        json.dumps(
            {"user_input": "Did Iran respond?", "reference": "No.", "reference_contexts": [CONTEXT]}
        )
        + "\n"
    )
    csv_path = tmp_path / "ragas.csv"
    csv_path.write_text(
        "user_input,reference,reference_contexts\n"
        f'Did Iran respond?,No.,"[""{CONTEXT}""]"\n'
        "What is the capital of Peru?,,[]\n"
    )
    from_jsonl = load_dataset(jsonl)
    from_csv = load_dataset(csv_path)
    assert from_jsonl[0].reference_contexts == from_csv[0].reference_contexts == (CONTEXT,)
    assert [c.answerable for c in from_csv] == [True, False]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            '{"id": "a", "question": "ok?"}\n{"id": "b", "question": \n',
            "set.jsonl:2: not valid JSON",
        ),
        ('{"id": "a", "question": "ok?", "answerable": "yes"}\n', "set.jsonl:1: 'answerable'"),
        ('{"id": "a", "question": "ok?", "key_facts": "seven"}\n', "set.jsonl:1: 'key_facts'"),
        ('{"id": "a"}\n', "set.jsonl:1: needs 'question'"),
        ('{"id": "a", "question": "x?"}\n{"id": "a", "question": "y?"}\n', "id 'a' is used twice"),
        ("", "no questions"),
    ],
)
def test_malformed_rows_name_the_file_and_line(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "set.jsonl"
    path.write_text(content)
    with pytest.raises(DatasetError, match=message.replace("(", r"\(")):
        load_dataset(path)
