"""The corpus as loaded, kept beside the index so that a process starts without reading
every passage, sentence and vector back from Chroma.

A snapshot belongs to one index generation (`ChunkStore.generation`): any write makes it
stale, and the next load from the store writes a new one. Its vectors are memory-mapped, so
every worker on a machine shares one copy of them in the page cache. A snapshot that is
missing, stale, written by other code or damaged (a file of the wrong size or checksum) is
passed over, with the reason logged, and written again.

    <data dir>/snapshots/<collection>/current.json      which generation, its files' sums
    <data dir>/snapshots/<collection>/<generation>/     corpus.pickle, *.npy

(for a Chroma server, under the cache folder: `CITEQA_MODEL_CACHE_DIR/snapshots/`).

The corpus is pickled: a snapshot is read only from the index's own data directory (whoever
can write there can change the index itself) or, for a Chroma server, from the cache folder
the embedding model's export is loaded from, which is trusted as much.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import pickle
import shutil
import time
import uuid
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

from citeqa.index import chunking, store, terms
from citeqa.index.embedding import Vectors
from citeqa.service.config import IndexSettings
from citeqa.service.engine import retrieval
from citeqa.service.engine.retrieval import Corpus, Embeddings

log = logging.getLogger("citeqa")

_POINTER = "current.json"
# A snapshot half written this long ago was left by a process that died: removed.
_ABANDONED_S = 3600
_ARRAYS = ("chunks", "sentences", "offsets")
_CORPUS = "corpus.pickle"


def folder_for(index: IndexSettings, collection: str) -> Path:
    """Where the snapshots of one Chroma collection are kept: beside an embedded index; in
    the cache folder for a Chroma server's (nothing is written under the data folder)."""
    if not index.chroma_url:
        return index.data_dir / "snapshots" / collection
    where = f"{index.chroma_url}|{index.chroma_tenant}|{index.chroma_database}"
    server = hashlib.sha256(where.encode()).hexdigest()[:16]
    return index.model_cache_dir / "snapshots" / f"chroma-{server}" / collection


def load(folder: Path, generation: str) -> Corpus | None:
    """The corpus of `generation` from its snapshot; None (the reason logged) when there is
    none to trust."""
    try:
        pointer = json.loads((folder / _POINTER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # none yet
    if pointer.get("code") != _code() or pointer.get("generation") != generation:
        return None  # written by other code, or the index changed since
    place = folder / _name(generation)
    sums: dict[str, Any] = pointer.get("files", {})
    damaged = [name for name in [_CORPUS, *_npy()] if not _intact(place / name, sums.get(name))]
    if damaged:
        log.warning("Snapshot %s is damaged (%s); reading the index instead.", place, damaged)
        shutil.rmtree(place, ignore_errors=True)
        return None
    try:
        with open(place / _CORPUS, "rb") as file:
            corpus: Corpus = pickle.load(file)  # noqa: S301 - the index's own file, checked above
        corpus.embeddings = _on_disk(place)
    except Exception as error:  # unreadable after all: the store is the truth
        log.warning("Snapshot %s cannot be read (%s); reading the index instead.", place, error)
        shutil.rmtree(place, ignore_errors=True)
        return None
    return corpus


def read_vectors_from(folder: Path, corpus: Corpus) -> None:
    """Give a corpus just saved its snapshot's vectors, read from disk as needed, in place
    of those it holds in memory."""
    corpus.embeddings = _on_disk(folder / _name(corpus.generation))


def _on_disk(place: Path) -> Embeddings:
    chunks, offsets = (np.load(place / f"{a}.npy", mmap_mode="r") for a in ("chunks", "offsets"))
    return Embeddings(chunks, RowFile(place / "sentences.npy"), offsets)


def save(corpus: Corpus, folder: Path) -> None:
    """Write the corpus's snapshot, then point to it; older ones are removed. Safe when
    several processes save at once: each writes a folder of its own and renames it into
    place, retiring whatever stood there (a process reading it keeps its open files)."""
    place = folder / _name(corpus.generation)
    building = folder / f".building-{uuid.uuid4().hex}"
    building.mkdir(parents=True)
    try:
        with open(building / _CORPUS, "wb") as file:
            pickle.dump(corpus, file, protocol=pickle.HIGHEST_PROTOCOL)
        embeddings = corpus.embeddings
        for array, values in zip(
            _ARRAYS, (embeddings.chunks, embeddings.sentences, embeddings.offsets), strict=True
        ):
            np.save(building / f"{array}.npy", np.ascontiguousarray(values))
        sums = {name: _sum(building / name) for name in [_CORPUS, *_npy()]}
        for name in [_CORPUS, *_npy()]:
            _flush(building / name)
        with contextlib.suppress(FileNotFoundError):
            os.rename(place, folder / f".retired-{uuid.uuid4().hex}")
        os.rename(building, place)
    except OSError:
        shutil.rmtree(building, ignore_errors=True)
        raise
    pointer = {"code": _code(), "generation": corpus.generation, "files": sums}
    written = folder / f".{_POINTER}.{uuid.uuid4().hex}"
    written.write_text(json.dumps(pointer), encoding="utf-8")
    _flush(written)
    os.replace(written, folder / _POINTER)
    for old in folder.iterdir():
        if old != place and old.name != _POINTER and not _in_progress(old):
            if old.is_dir():
                shutil.rmtree(old, ignore_errors=True)
            else:
                old.unlink(missing_ok=True)


def _in_progress(path: Path) -> bool:
    """Another process's snapshot being written (not one a crash left long ago)."""
    try:
        recent = time.time() - path.stat().st_mtime < _ABANDONED_S
    except OSError:
        return True  # gone already: leave it be
    return path.name.startswith((".building-", f".{_POINTER}.")) and recent


@cache
def _code() -> str:
    """Changes with any code whose objects a snapshot pickles: a snapshot written by other
    code is never unpickled into objects this code does not expect."""
    digest = hashlib.sha256(f"{version('bm25s')}|{version('PyStemmer')}".encode())
    for module in (retrieval, chunking, store, terms):
        digest.update(Path(str(module.__file__)).read_bytes())
    return digest.hexdigest()


class RowFile:
    """The rows of a matrix saved by `np.save`, read from disk a few at a time.

    Not memory-mapped: a mapped file's pages count as the process's own memory once read,
    and the kernel maps the cached pages around each one read, so at 100,000 passages most
    of the sentence vectors would sit in every worker. Read with `pread`, they stay in the
    page cache, shared and reclaimable, and a question reads only its candidates' rows.
    """

    def __init__(self, path: Path) -> None:
        with open(path, "rb") as file:
            version = np.lib.format.read_magic(file)
            header = (
                np.lib.format.read_array_header_1_0
                if version == (1, 0)
                else np.lib.format.read_array_header_2_0
            )
            shape, fortran, dtype = header(file)
            self.start = file.tell()
        if fortran or len(shape) != 2:
            raise ValueError(f"{path}: not a matrix of rows")
        self.path = path
        self.shape: tuple[int, int] = shape
        self.dtype = np.dtype(dtype)
        self._row_bytes = shape[1] * self.dtype.itemsize
        self._file = os.open(path, os.O_RDONLY)

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, rows: slice) -> Vectors:
        start, stop, step = rows.indices(self.shape[0])
        if step != 1:
            raise IndexError("RowFile reads consecutive rows only")
        count = max(0, stop - start)
        wanted, at = count * self._row_bytes, self.start + start * self._row_bytes
        data = bytearray()
        while len(data) < wanted:  # one pread returns at most about 2 GiB
            block = os.pread(self._file, wanted - len(data), at + len(data))
            if not block:
                raise OSError(f"{self.path} ends before row {stop}: the snapshot is cut short")
            data += block
        return np.frombuffer(bytes(data), dtype=self.dtype).reshape(count, self.shape[1])

    def __del__(self) -> None:
        with contextlib.suppress(AttributeError, OSError):
            os.close(self._file)


def _name(generation: str) -> str:
    """One folder per generation and code: a snapshot another version of citeqa wrote is
    never taken for this one's."""
    return f"generation-{generation or 'empty'}-{_code()[:12]}"


def _npy() -> list[str]:
    return [f"{array}.npy" for array in _ARRAYS]


def _sum(path: Path) -> dict[str, Any]:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while block := file.read(1 << 20):
            digest.update(block)
    return {"size": path.stat().st_size, "sha256": digest.hexdigest()}


def _intact(path: Path, expected: dict[str, Any] | None) -> bool:
    with contextlib.suppress(OSError):
        return expected is not None and _sum(path) == expected
    return False


def _flush(path: Path) -> None:
    with open(path, "rb") as file:
        os.fsync(file.fileno())
