"""Documents as they come: a generated PDF ingested (where the time goes, peak memory by
size), and the reader page in Chromium (time to the first highlight).

    python -m bench.documents [--pages 300 1000] [--output docs/benchmarks.md]

Run alone, it rewrites its own section of the benchmarks page; `make bench` runs it too.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.corpus import SOURCES, MarkovWriter
from bench.page import markers, write_section
from tests import documents
from tests.processes import running_citeqa

PARAGRAPHS_PER_PAGE = 3
READER_LOADS = 10
_BEGIN, _END = markers("documents")

# Run in a child process, so that its peak memory is the ingestion's alone.
_INGEST = """
import json, resource, sys, time
from pathlib import Path
from citeqa.index.chunking import Chunker
from citeqa.index.documents import clean_document
from citeqa.index.formats import extract
from citeqa.index.ingest import Ingestor
from citeqa.index.store import ChunkStore, open_client
from citeqa.index.embedding import load_embedder, default_model_path

pdf, data = Path(sys.argv[1]), Path(sys.argv[2])
embedder = load_embedder(default_model_path())
embedder.embed(["warm up"])
spent = [0.0]
embed = embedder.embed
def timed(texts):
    started = time.perf_counter()
    try:
        return embed(texts)
    finally:
        spent[0] += time.perf_counter() - started
embedder.embed = timed
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
extracted = extract(pdf.read_bytes(), pdf.name, max_pdf_pages=100_000)
read = time.perf_counter()
document = clean_document(extracted.text, document_id="report", title="Generated report")
cleaned = time.perf_counter()
store = ChunkStore(open_client(data))
result = Ingestor(store, embedder, Chunker()).ingest(document)
done = time.perf_counter()
print(json.dumps({
    "passages": result.chunk_count,
    "read_s": read - started,
    "clean_s": cleaned - read,
    "index_s": done - cleaned,
    "embed_s": spent[0],
    "total_s": done - started,
    "rss_before_mib": before / 1024,
    "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""


@dataclass(frozen=True)
class PdfIngestion:
    """One generated PDF ingested: where its time went, and the process's memory."""

    pages: int
    passages: int
    read_s: float  # pypdf: text page by page
    clean_s: float
    index_s: float  # chunking, embedding, writing
    embed_s: float  # the model alone, inside index_s
    total_s: float
    rss_before_mib: float  # the process with the model loaded, before the PDF
    peak_rss_mib: float

    @property
    def outside_model(self) -> float:
        """The share of the time spent outside the embedding model."""
        return 1 - self.embed_s / self.total_s


@dataclass(frozen=True)
class DocumentBench:
    ingestions: list[PdfIngestion]
    reader_ms: list[float]


def generated_pdf(pages: int, seed: int = 0) -> bytes:
    """A report of `pages` pages of Markov text, with a running header and page numbers."""
    texts = [path.read_text(encoding="utf-8") for path in sorted(SOURCES.glob("*.txt"))]
    writer = MarkovWriter(texts, seed)

    def latin1(text: str) -> str:  # the PDF's built-in font writes Latin-1 only
        return text.replace("’", "'").encode("latin-1", "ignore").decode("latin-1")

    return documents.pdf(
        [[latin1(writer.paragraph()) for _ in range(PARAGRAPHS_PER_PAGE)] for _ in range(pages)]
    )


def ingest_pdf(pages: int, work: Path) -> tuple[PdfIngestion, Path]:
    """Ingest a generated PDF of `pages` pages in a child process; its figures and index."""
    pdf = work / f"report-{pages}.pdf"
    pdf.write_bytes(generated_pdf(pages))
    data = work / f"data-{pages}"
    found = subprocess.run(
        [sys.executable, "-c", _INGEST, str(pdf), str(data)],
        capture_output=True,
        text=True,
        check=True,
        timeout=3600,
    )
    return PdfIngestion(pages=pages, **json.loads(found.stdout.strip().splitlines()[-1])), data


def reader_first_highlight(data: Path, loads: int = READER_LOADS) -> list[float]:
    """Milliseconds from asking Chromium for a citation's reader page to its highlight being
    visible, `loads` times, against `citeqa serve` on loopback."""
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        raise SystemExit("Chromium is missing: apt-get install -y chromium")
    with running_citeqa(data) as url:
        # A sentence from the middle of the report, asked as it is: it is answered.
        text = httpx.get(f"{url}/v1/documents/report", timeout=60).json()["text"]
        middle = text[len(text) // 2 :].split(". ")[1]
        question = {"question": f"{middle}?"}
        citations = httpx.post(f"{url}/v1/ask", json=question, timeout=60).json()["citations"]
        target = url + citations[0]["url"]
        timings = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=executable, args=["--headless", "--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page()
            for _ in range(loads):
                started = time.perf_counter()
                page.goto(target)
                page.locator("mark#cited").wait_for(state="visible")
                timings.append((time.perf_counter() - started) * 1000)
            browser.close()
    return timings


def measure(pages: list[int], work: Path) -> DocumentBench:
    """Every figure of this section."""
    work.mkdir(parents=True, exist_ok=True)
    ingestions, indexes = [], []
    for count in pages:
        print(f"  a {count}-page PDF ...", flush=True)
        ingestion, data = ingest_pdf(count, work)
        ingestions.append(ingestion)
        indexes.append(data)
    print("  the reader in Chromium ...", flush=True)
    return DocumentBench(ingestions, reader_first_highlight(indexes[0]))


def section(bench: DocumentBench) -> str:
    """The Markdown of this section, between its markers."""
    lines = [
        _BEGIN,
        "## Documents as they come",
        "",
        "A report of Markov text (`bench/corpus.py`), three paragraphs a page with a running",
        "header and page numbers, written as a PDF and ingested in its own process: pypdf",
        "reads it page by page, the text is cleaned, chunked, embedded and written to",
        "embedded Chroma. Memory is the process's peak resident set (the model is loaded",
        "before the PDF is read).",
        "",
        "| pages | passages | total s | passages/s | read (pypdf) s | clean s | chunk, embed, "
        "write s | of which the model s | outside the model | RSS before / peak MiB |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for i in bench.ingestions:
        lines.append(
            f"| {i.pages} | {i.passages} | {i.total_s:.1f} | {i.passages / i.total_s:.1f} | "
            f"{i.read_s:.1f} | {i.clean_s:.2f} | {i.index_s:.1f} | {i.embed_s:.1f} | "
            f"{i.outside_model:.0%} | {i.rss_before_mib:.0f} / {i.peak_rss_mib:.0f} |"
        )
    reader = bench.reader_ms
    lines += [
        "",
        f"Reader page, from `page.goto(citation url)` in Chromium to the highlighted quote "
        f"visible, {len(reader)} loads: median {statistics.median(reader):.0f} ms, slowest "
        f"{max(reader):.0f} ms.",
        _END,
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, nargs="*", default=[300, 1000])
    parser.add_argument("--output", type=Path, default=Path("docs/benchmarks.md"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="citeqa-bench-documents-") as work:
        text = section(measure(args.pages, Path(work)))
    write_section("documents", text, args.output)
    print(text)


if __name__ == "__main__":
    main()
