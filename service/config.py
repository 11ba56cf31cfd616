"""All settings of citeqa, read from `CITEQA_*` environment variables (or a `.env` file)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from citeqa.index.embedding import default_cache_dir, default_model_path

if TYPE_CHECKING:  # Chroma is slow to import; `citeqa --help` needs none of it.
    from citeqa.index.store import ChromaServer


class Settings(BaseSettings):
    """Every knob of the service; see the settings table in README.md."""

    model_config = SettingsConfigDict(env_prefix="CITEQA_", env_file=".env", extra="ignore")

    data_dir: Path = Field(Path("data"), description="Where the embedded Chroma index lives.")
    collection: str = Field(
        "citeqa",
        min_length=3,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9]$",
        description="Chroma collection name for passages.",
    )
    chroma_url: str = Field(
        "", description="A Chroma server (http://host:port); empty keeps Chroma embedded."
    )
    chroma_tenant: str = Field("default_tenant", description="Chroma server tenant.")
    chroma_database: str = Field("default_database", description="Chroma server database.")
    chroma_token: str = Field("", description="Bearer token for the Chroma server, if any.")
    chroma_timeout_s: float = Field(
        5.0, gt=0, le=300, description="Give up on a Chroma server request after this long."
    )
    embed_model: str = Field(
        default_factory=default_model_path,
        description="Path of a sentence-transformers model (default: bundled all-MiniLM-L6-v2).",
    )
    embed_backend: Literal["onnx", "torch"] = Field(
        "onnx",
        description="Runs the embedding model: onnx (ONNX Runtime, exported once from the "
        "model and cached; 2x faster per question) or torch (sentence-transformers).",
    )
    model_cache_dir: Path = Field(
        default_factory=default_cache_dir,
        description="Where the ONNX export of the embedding model is kept between starts.",
    )
    model_threads: int = Field(
        0,
        ge=0,
        le=256,
        description="CPU threads of the embedding model per process; 0: the cores divided "
        "among `citeqa serve --workers`.",
    )
    request_threads: int = Field(
        8,
        ge=1,
        le=256,
        description="Threads per process that run requests; more add memory, not speed.",
    )
    worker_healthcheck_s: int = Field(
        30,
        ge=1,
        le=600,
        description="With `serve --workers`, a worker that does not answer its supervisor's "
        "check for this long is restarted.",
    )
    seeds_dir: Path = Field(Path("seeds"), description="Documents ingested by default.")
    host: str = Field("127.0.0.1", description="Address `citeqa serve` listens on.")
    port: int = Field(8000, ge=1, le=65535, description="Port `citeqa serve` listens on.")
    top_k: int = Field(4, ge=1, le=20, description="Passages retrieved per question.")
    chunk_max_words: int = Field(120, ge=20, le=2000, description="Longest chunk, in words.")
    candidate_pool: int = Field(
        20, ge=1, le=200, description="Candidates each retriever returns before fusion."
    )
    memory_search_limit: int = Field(
        20000,
        ge=0,
        le=10_000_000,
        description="Up to this many passages, dense search is exact, in memory; beyond, Chroma.",
    )
    answer_max_words: int = Field(60, ge=10, le=400, description="Longest answer, in words.")
    passage_weight: float = Field(
        0.5, ge=0, le=5, description="Retrieval: weight of question-passage similarity."
    )
    sentence_weight: float = Field(
        1.0, ge=0, le=5, description="Retrieval: weight of the best sentence-window similarity."
    )
    lexical_weight: float = Field(
        0.5, ge=0, le=5, description="Retrieval: weight of the best sentence's term overlap."
    )
    answer_lexical_weight: float = Field(
        0.5, ge=0, le=5, description="Answer: weight of a sentence's term overlap."
    )
    answer_passage_weight: float = Field(
        0.25, ge=0, le=5, description="Answer: weight of the sentence's passage score."
    )
    min_score: float = Field(
        0.6, ge=-5, le=10, description="Refuse when the best sentence scores below this."
    )
    second_sentence_ratio: float = Field(
        0.95, ge=0, le=1, description="Add a sentence scoring at least this share of the best."
    )
    answer_connected_sentences: bool = Field(
        True,
        description="The best sentence comes with the one before it when it points back, and "
        "for why and how questions with the one after it when that carries on.",
    )
    unknown_terms_share: float = Field(
        0.5, ge=0, le=1, description="Share of question weight on unknown words that is suspect."
    )
    answer_cache_size: int = Field(
        1024, ge=0, le=1_000_000, description="Answers kept for repeated questions; 0 turns off."
    )
    followup_context_weight: float = Field(
        0.5, ge=0, le=2, description="Weight of earlier turns blended into a follow-up's search."
    )
    llm: Literal["none", "openai-like", "ollama"] = Field(
        "none", description="Language model for `mode: llm` answers; `none` keeps citeqa offline."
    )
    llm_base_url: str = Field(
        "http://127.0.0.1:11434/v1",
        description="Base URL of the model server (OpenAI-compatible `/v1`, or Ollama's root).",
    )
    llm_model: str = Field("llama3.1", description="Model name the server knows.")
    llm_api_key: str = Field("", description="API key for the model server, if it needs one.")
    llm_timeout_s: float = Field(
        20.0, gt=0, le=600, description="Give up on the model after this many seconds."
    )
    llm_max_tokens: int = Field(300, ge=16, le=8192, description="Longest generated answer.")
    llm_temperature: float = Field(0.0, ge=0, le=2, description="Sampling temperature.")
    verify_min_similarity: float = Field(
        0.35, ge=-1, le=1, description="LLM sentence kept when this similar to a cited sentence."
    )
    verify_min_lexical: float = Field(
        0.5, ge=0, le=1, description="...and this share of its content words is in the passage."
    )
    api_keys: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Keys for write endpoints: comma-separated, or the path of a file, one a line.",
    )
    require_key_for_read: bool = Field(False, description="Require a key for reading too.")
    rate_limit: str = Field(
        "", description="Requests per key or client, e.g. `60/minute`; empty for no limit."
    )
    max_document_bytes: int = Field(
        5_000_000, ge=1, description="Largest document accepted by POST /v1/documents."
    )
    request_timeout_s: float = Field(
        30.0, gt=0, le=3600, description="A request taking longer answers 503."
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Origins (comma-separated) whose pages may call the API from a browser.",
    )
    unknown_terms_min_similarity: float = Field(
        0.45, ge=-1, le=1, description="With that many unknown words, least similarity to answer."
    )

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [origin.strip().rstrip("/") for origin in value.split(",") if origin.strip()]
        return value

    @field_validator("api_keys", mode="before")
    @classmethod
    def _read_keys(cls, value: Any) -> Any:
        if isinstance(value, str):
            path = Path(value.strip())
            if value.strip() and path.is_file():
                value = path.read_text(encoding="utf-8").replace("\n", ",")
            return [key.strip() for key in value.split(",") if key.strip()]
        return value

    @field_validator("rate_limit")
    @classmethod
    def _check_rate(cls, value: str) -> str:
        if value and parse_rate(value) is None:
            raise ValueError(
                f"'{value}' is not a rate. Use COUNT/UNIT, e.g. 60/minute (units: second, "
                "minute, hour)"
            )
        return value

    def chroma_server(self) -> ChromaServer | None:
        """The Chroma server to use, or None for embedded Chroma."""
        from citeqa.index.store import ChromaServer

        if not self.chroma_url:
            return None
        return ChromaServer(
            self.chroma_url,
            self.chroma_tenant,
            self.chroma_database,
            self.chroma_token,
            self.chroma_timeout_s,
        )


_UNITS = {"second": 1.0, "minute": 60.0, "hour": 3600.0}


def parse_rate(value: str) -> tuple[int, float] | None:
    """`60/minute` → (60, 60.0): so many requests per so many seconds; None if malformed."""
    count, _, unit = value.strip().partition("/")
    unit = unit.strip().lower().rstrip("s")
    if not count.strip().isdigit() or int(count) < 1 or unit not in _UNITS:
        return None
    return int(count), _UNITS[unit]
