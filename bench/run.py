"""Run every benchmark and write `docs/benchmarks.md` with its plots (`make bench`).

python -m bench.run --output docs/benchmarks.md [--sizes 1000 10000 100000]
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from bench import admission, documents, ingestion, int8
from bench.compare import Comparison, compare
from bench.scale import Scale, measure_all
from bench.serving import Serving, median
from bench.serving import measure as measure_serving
from citeqa.service.config import Settings


@dataclass(frozen=True)
class Target:
    """One row of the target table: the figure, its goal, what was measured, whether met."""

    figure: str
    goal: str
    measured: str
    met: bool


def machine() -> str:
    """CPU, cores, memory and the versions that matter, as Markdown lines."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory_kib = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    packages = ", ".join(
        f"{name} {version(name)}"
        for name in ("torch", "sentence-transformers", "chromadb", "llama-index-core", "fastapi")
    )
    return (
        f"- CPU: {cpu}, {len(os.sched_getaffinity(0))} cores, no GPU; "
        f"{memory_kib / 1024 / 1024:.0f} GiB memory\n"
        f"- Python {platform.python_version()} on {platform.system()} {platform.release()}; "
        f"{packages}\n"
        f"- Embedding model all-MiniLM-L6-v2, exported to ONNX and run by onnxruntime "
        f"{version('onnxruntime')} (the default `CITEQA_EMBED_BACKEND=onnx`)\n"
    )


def targets(comparison: Comparison, serving: Serving, scales: list[Scale]) -> list[Target]:
    """The issue's target table, filled with what was measured."""
    assert serving.latency is not None
    p50 = serving.latency.percentile(50)
    repeat = median(serving.repeat_ms)
    cold = median(serving.cold_start_s)
    ingestion = min((s.chunks_per_s for s in scales if not s.copied), default=0.0)
    largest = max(scales, key=lambda s: s.chunks, default=None)
    rows = [
        Target(
            "`/v1/ask` p50 over HTTP, concurrency 1",
            "≤ 12 ms and ≤ 1.5 × floor",
            f"{p50:.1f} ms; {p50 / comparison.floor_ms:.2f} × floor ({comparison.floor_ms:.1f} ms)",
            p50 <= 12 and p50 <= 1.5 * comparison.floor_ms,
        ),
        Target(
            "the same question asked again",
            "≤ 3 ms",
            f"{repeat:.2f} ms (first ask {serving.first_ask_ms:.1f} ms)",
            repeat <= 3,
        ),
        Target(
            "answers per second, concurrency 16 (1 worker / 2 workers)",
            "≥ 150",
            f"{serving.throughput.get((1, 16), 0):.0f} / {serving.throughput.get((2, 16), 0):.0f}",
            max(serving.throughput.get((1, 16), 0), serving.throughput.get((2, 16), 0)) >= 150,
        ),
        Target(
            "citeqa full answer / llama-index retrieval only, p50",
            "≤ 1.0",
            f"{comparison.over_llama_index:.2f} ({comparison.citeqa_ms:.1f} / "
            f"{comparison.llama_index_ms:.1f} ms)",
            comparison.over_llama_index <= 1.0,
        ),
        Target("cold start to ready", "≤ 5 s", f"{cold:.2f} s", cold <= 5),
        Target(
            "ingestion (slowest size)",
            "≥ 300 chunks/s",
            f"{ingestion:.0f} chunks/s",
            ingestion >= 300,
        ),
    ]
    if largest is not None:
        rows.append(
            Target(
                f"p50 at {largest.chunks:,} chunks",
                "≤ 25 ms (at 100k)",
                f"{largest.p50_ms:.1f} ms",
                largest.p50_ms <= 25,
            )
        )
        rows.append(
            Target(
                f"ready / resident memory at {largest.chunks:,} chunks",
                "≤ 10 s / ≤ 1.2 GiB (at 100k)",
                f"{largest.cold_start_s:.1f} s / {largest.rss_mib / 1024:.2f} GiB",
                largest.cold_start_s <= 10 and largest.rss_mib <= 1.2 * 1024,
            )
        )
    return rows


def plot(serving: Serving, scales: list[Scale], folder: Path) -> list[str]:
    """PNG plots of throughput by concurrency and of latency and memory by index size."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    names = []
    figure, axis = plt.subplots(figsize=(6, 4))
    for workers in (1, 2):
        points = sorted((c, rate) for (w, c), rate in serving.throughput.items() if w == workers)
        if points:
            axis.plot(*zip(*points, strict=True), marker="o", label=f"{workers} worker(s)")
    axis.set_xscale("log", base=2)
    axis.set_xlabel("concurrent requests")
    axis.set_ylabel("answers per second")
    axis.set_title("/v1/ask throughput (answer cache off)")
    axis.legend()
    figure.tight_layout()
    figure.savefig(folder / "throughput.png", dpi=100)
    plt.close(figure)
    names.append("throughput.png")
    if scales:
        figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
        sizes = [s.chunks for s in scales]
        left.plot(sizes, [s.p50_ms for s in scales], marker="o", label="p50")
        left.plot(sizes, [s.p95_ms for s in scales], marker="o", label="p95")
        left.set_xscale("log")
        left.set_xlabel("passages in the index")
        left.set_ylabel("ms over HTTP, concurrency 1")
        left.set_title("Query latency by index size")
        left.legend()
        right.plot(sizes, [s.rss_mib for s in scales], marker="o")
        right.set_xscale("log")
        right.set_xlabel("passages in the index")
        right.set_ylabel("server resident memory, MiB")
        right.set_title("Memory by index size")
        figure.tight_layout()
        figure.savefig(folder / "scale.png", dpi=100)
        plt.close(figure)
        names.append("scale.png")
    return names


def report(
    comparison: Comparison, serving: Serving, scales: list[Scale], plots: list[str], folder: str
) -> str:
    """The Markdown of docs/benchmarks.md."""
    assert serving.latency is not None
    lines = [
        "# Benchmarks",
        "",
        "Regenerated by `make bench` (`python -m bench.run`); every figure below comes from",
        "the run that wrote this page. Absolute times move by ±30% from run to run on this",
        "shared machine; the ratios, timed side by side, move much less.",
        "",
        "## Machine",
        "",
        machine(),
        "## Targets",
        "",
        "| figure | target | measured | met |",
        "|---|---|---|---|",
    ]
    for row in targets(comparison, serving, scales):
        lines.append(
            f"| {row.figure} | {row.goal} | {row.measured} | {'yes' if row.met else 'no'} |"
        )
    lines += [
        "",
        "## Side by side, in one process",
        "",
        f"{comparison.questions} questions of `eval/datasets/article.jsonl`, {comparison.rounds}",
        "rounds, the three timed in turn on each question; medians.",
        "",
        "| pipeline | p50 ms | citeqa / it |",
        "|---|---|---|",
        f"| citeqa, full cited answer (cache off) | {comparison.citeqa_ms:.2f} | 1.00 |",
        f"| llama-index default (`VectorStoreIndex` over Chroma, `as_retriever()`), "
        f"retrieval only | {comparison.llama_index_ms:.2f} | {comparison.over_llama_index:.2f} |",
        f"| floor: one query embedding + one Chroma query | {comparison.floor_ms:.2f} | "
        f"{comparison.over_floor:.2f} |",
        "",
        "Where citeqa's milliseconds go (medians): embedding the question "
        f"{comparison.embedding_ms:.2f} ms; search, reranking and composing the cited answer "
        f"{comparison.citeqa_ms - comparison.embedding_ms:.2f} ms; HTTP, validation and JSON "
        f"{serving.latency.percentile(50) - comparison.citeqa_ms:.2f} ms (HTTP p50 minus the "
        "in-process answer).",
        "",
        "## Over HTTP",
        "",
        "`citeqa serve` on loopback over the article, answer cache off unless said.",
        "",
        "- Cold start, process start to `/readyz` 200: "
        + ", ".join(f"{s:.2f}" for s in serving.cold_start_s)
        + f" s (median {median(serving.cold_start_s):.2f} s)",
        f"- Concurrency 1, {serving.latency.requests} requests: p50 "
        f"{serving.latency.percentile(50):.1f} ms, p95 {serving.latency.percentile(95):.1f} ms, "
        f"p99 {serving.latency.percentile(99):.1f} ms",
        f"- The same question again (answer cache on): median {median(serving.repeat_ms):.2f} ms "
        f"over {len(serving.repeat_ms)} asks; first ask {serving.first_ask_ms:.1f} ms",
        "",
        "| concurrency | 1 worker, answers/s | failed | 2 workers (Chroma server), answers/s "
        "| failed |",
        "|---|---|---|---|---|",
    ]
    for concurrency in sorted({c for _, c in serving.throughput}):
        one = serving.throughput.get((1, concurrency), 0.0)
        two = serving.throughput.get((2, concurrency), 0.0)
        lines.append(
            f"| {concurrency} | {one:.0f} | {serving.failed.get((1, concurrency), 0)} | "
            f"{two:.0f} | {serving.failed.get((2, concurrency), 0)} |"
        )
    if "throughput.png" in plots:
        lines += ["", f"![throughput]({folder}/throughput.png)"]
    if scales:
        lines += [
            "",
            "## As the index grows",
            "",
            "Corpora written by `bench/corpus.py` (Markov text from the public-domain texts",
            "under `eval/datasets/corpus/`), ingested by the real pipeline into embedded",
            "Chroma, served by `citeqa serve` and asked the 29 founding-texts questions,",
            "one at a time, cache off.",
            "",
            "| passages | ingestion s | chunks/s | model alone, chunks/s | first start s ² "
            "| ready s | p50 ms | p95 ms | server RSS MiB |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for s in scales:
            ingestion = (
                "copied ¹ | — | —"
                if s.copied
                else f"{s.ingest_s:.1f} | {s.chunks_per_s:.0f} | {s.model_chunks_per_s:.0f}"
            )
            lines.append(
                f"| {s.chunks:,} | {ingestion} | {s.first_start_s:.2f} | {s.cold_start_s:.2f} | "
                f"{s.p50_ms:.1f} | "
                f"{s.p95_ms:.1f} | {s.rss_mib:.0f} |"
            )
        if any(s.copied for s in scales):
            lines += [
                "",
                "¹ Built from the largest ingested index by storing copies of its documents",
                "under new ids with their stored vectors (see `bench/scale.py`): embedding",
                "this many passages would take over an hour on this CPU at the rates above.",
                "Search costs the same per vector whatever the vector holds.",
            ]
        lines += [
            "",
            "² The first start after a write reads every passage, sentence and vector from",
            "Chroma and writes the snapshot (`service/engine/snapshot.py`); every later start",
            "(ready s) reads the snapshot.",
        ]
        if "scale.png" in plots:
            lines += ["", f"![latency and memory by index size]({folder}/scale.png)"]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Run the benchmarks and write the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=Path("docs/benchmarks.md"))
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000, 100000])
    parser.add_argument(
        "--embed-up-to",
        type=int,
        default=10000,
        help="Larger sizes copy the largest ingested index instead of embedding anew.",
    )
    parser.add_argument("--concurrency", type=int, nargs="*", default=[1, 4, 16, 64])
    parser.add_argument("--requests", type=int, default=1000, help="Requests per concurrency.")
    parser.add_argument("--rounds", type=int, default=5, help="Rounds over the questions.")
    parser.add_argument("--pdf-pages", type=int, nargs="*", default=[300, 1000])
    parser.add_argument("--seconds", type=float, default=10.0, help="Admission: per cell.")
    parser.add_argument("--ingest-chunks", type=int, default=2000, help="Ingestion vs model.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="citeqa-bench-") as work:
        root = Path(work)
        print("side by side in one process ...", flush=True)
        comparison = compare(root / "compare", args.rounds)
        print("over HTTP ...", flush=True)
        serving = measure_serving(root / "serving", args.concurrency, args.requests, args.rounds)
        print("index sizes ...", flush=True)
        scales = measure_all(args.sizes, root / "scale", args.embed_up_to)
        print("documents as they come ...", flush=True)
        files = documents.measure(args.pdf_pages, root / "documents")
        print("ingestion beside the model ...", flush=True)
        ingested = ingestion.measure(args.ingest_chunks, root / "ingestion")
        print("admission control ...", flush=True)
        wait_ms = Settings().server.admission_wait_ms
        sweep = admission.measure(
            root / "admission", admission.BOUNDS, admission.LEVELS, args.seconds, wait_ms
        )
        print("the model in int8 ...", flush=True)
        quantised = int8.measure(root / "int8")
    folder = args.output.with_suffix("")
    plots = plot(serving, scales, folder)
    text = report(comparison, serving, scales, plots, folder.name)
    text += "\n" + documents.section(files)
    text += "\n" + ingestion.section(ingested)
    text += "\n" + admission.section(sweep, args.seconds, wait_ms)
    text += "\n" + int8.section(quantised)
    args.output.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
