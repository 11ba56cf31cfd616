"""The embedding model quantised to int8 (ONNX Runtime's dynamic quantisation) beside the
float32 export citeqa runs: speed side by side, and every gated question set's figures.

    python -m bench.int8

Nothing changes in citeqa: the int8 model is written to a temporary folder and each eval
runs in its own process with the export swapped for it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.page import markers, write_section

SETS = [
    ("article", "eval/datasets/article.jsonl", "seeds"),
    ("founding", "eval/datasets/founding.jsonl", "eval/datasets/corpus"),
    ("constitution", "eval/datasets/constitution.jsonl", "eval/datasets/constitution"),
    ("article-dialogues", "eval/datasets/article-dialogues.jsonl", "seeds"),
    ("article-users", "eval/datasets/article-users.jsonl", "seeds"),
    ("article-chat", "eval/datasets/article-chat.jsonl", "seeds"),
    ("founding-chat", "eval/datasets/founding-chat.jsonl", "eval/datasets/corpus"),
    ("article-lookalike", "eval/datasets/article-lookalike.jsonl", "seeds"),
    ("licenses", "eval/datasets/licenses.jsonl", "eval/datasets/licenses"),
]
FIGURES = ["hit@1", "key_fact_accuracy", "refusal_rate", "false_refusal_rate"]
ROUNDS = 5

# Run in a child process: the export swapped for `model` (empty: the float32 one), then
# the command-line arguments given to `citeqa`.
_SWAPPED = """
import sys
from pathlib import Path
import citeqa.index.embedding as embedding
model = sys.argv[1]
if model:
    embedding._exported_model = lambda *_: Path(model)
from citeqa.service.cli import main
sys.exit(main(sys.argv[2:]))
"""

_SPEED = """
import json, sys, time
from pathlib import Path
import citeqa.index.embedding as embedding
model = sys.argv[1]
if model:
    embedding._exported_model = lambda *_: Path(model)
from citeqa.index.embedding import default_model_path, load_embedder
passages = [p for p in open(sorted(Path("seeds").glob("*.txt"))[0]).read().split("\\n\\n") if p]
queries = [json.loads(l)["question"] for l in open("eval/datasets/article.jsonl")]
embedder = load_embedder(default_model_path())
embedder.embed(passages[:4])
embedder.embed_query("warm")
started = time.perf_counter()
embedder.embed(passages * 4)
passages_s = time.perf_counter() - started
started = time.perf_counter()
for q in queries:
    embedder.embed_query(q)
query_ms = (time.perf_counter() - started) / len(queries) * 1000
print(json.dumps({"passages_per_s": 4 * len(passages) / passages_s, "query_ms": query_ms}))
"""


def quantised(work: Path) -> Path:
    """The int8 model beside its facts file, from the float32 export."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from citeqa.index.embedding import _exported_model, default_cache_dir, default_model_path

    source = _exported_model(default_model_path(), default_cache_dir())
    target = work / "embedding-int8.onnx"
    quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8)
    shutil.copy(source.with_suffix(".json"), target.with_suffix(".json"))
    return target


def evaluate(model: str, dataset: str, docs: str) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", _SWAPPED, model, "eval", dataset, "--docs", docs, "--json"],
        capture_output=True,
        text=True,
        check=True,
        timeout=1800,
    )
    return json.loads(done.stdout)["overall"]  # type: ignore[no-any-return]


def speed(model: str) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", _SPEED, model], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Int8:
    """Speed of each model (medians of rounds in turn) and every set's figures with each."""

    speed: dict[str, dict[str, float]]  # model -> passages_per_s, query_ms
    figures: dict[str, tuple[dict[str, float], dict[str, float]]]  # set -> float32, int8


def measure(work: Path) -> Int8:
    """Quantise, time both models side by side, and evaluate every set with each."""
    work.mkdir(parents=True, exist_ok=True)
    int8 = str(quantised(work))
    runs: dict[str, list[dict[str, float]]] = {"float32": [], "int8": []}
    for _ in range(ROUNDS):  # side by side, in turn
        for name, model in (("float32", ""), ("int8", int8)):
            runs[name].append(speed(model))
    medians = {
        name: {key: statistics.median(r[key] for r in found) for key in found[0]}
        for name, found in runs.items()
    }
    figures = {
        name: (evaluate("", dataset, docs), evaluate(int8, dataset, docs))
        for name, dataset, docs in SETS
    }
    return Int8(medians, figures)


def section(found: Int8) -> str:
    """The benchmarks page's section."""
    begin, end = markers("int8")
    lines = [
        begin,
        "## The embedding model in int8 (`python -m bench.int8`)",
        "",
        "ONNX Runtime's dynamic int8 quantisation of the float32 export citeqa runs, timed side",
        f"by side ({ROUNDS} rounds in turn, medians), then every gated question set evaluated",
        "with each. int8 becomes the default only if no key figure drops by more than 0.01.",
        "",
        "| model | passages/s | one query, ms |",
        "|---|---|---|",
    ]
    for name, speed_of in found.speed.items():
        label = "float32 (the default)" if name == "float32" else name
        lines.append(f"| {label} | {speed_of['passages_per_s']:.1f} | {speed_of['query_ms']:.2f} |")
    lines += [
        "",
        "| set | " + " | ".join(f"{f} f32 → int8" for f in FIGURES) + " |",
        "|---|" + "---|" * len(FIGURES),
    ]
    for name, (base, quick) in found.figures.items():
        cells = [
            f"{base.get(f, float('nan')):.3f} → {quick.get(f, float('nan')):.3f}" for f in FIGURES
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines.append(end)
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=Path("docs/benchmarks.md"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="citeqa-bench-int8-") as work:
        text = section(measure(Path(work)))
    write_section("int8", text, args.output)
    print(text)


if __name__ == "__main__":
    main()
