"""All settings of citeqa, grouped by concern, read from `CITEQA_*` environment variables
(or a `.env` file).

    Settings
    ├── index      where documents are stored and how they are embedded and split
    ├── retrieval  how passages are found
    ├── answer     how sentences are chosen, refused and cached
    ├── llm        the optional language model and the verification of what it writes
    ├── limits     keys, rates and sizes
    └── server     how `citeqa serve` listens and runs

Every knob has one name, its environment variable's without `CITEQA_` (`top_k` is
`CITEQA_TOP_K` and lives in `settings.retrieval.top_k`), and one default, written here. The
README's settings table is checked against this module by a test.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from dotenv import dotenv_values
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from citeqa.index.embedding import default_cache_dir, default_model_path

if TYPE_CHECKING:  # Chroma is slow to import; `citeqa --help` needs none of it.
    from citeqa.index.store import ChromaServer

PREFIX = "CITEQA_"
# Never written into reports or logs.
SECRETS = frozenset({"chroma_token", "llm_api_key", "api_keys"})


class _Group(BaseModel):
    """A group of settings; a field's alias, where it has one, is its flat name."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", populate_by_name=True, protected_namespaces=()
    )


class IndexSettings(_Group):
    """Where documents are stored, and how they are embedded and split."""

    data_dir: Path = Field(Path("data"), description="Where the embedded Chroma index lives.")
    seeds_dir: Path = Field(Path("seeds"), description="Documents ingested by default.")
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
    embed_device: Literal["cpu", "cuda"] = Field(
        "cpu",
        description="Where the embedding model runs: cpu, or cuda (a GPU, through the torch "
        "backend; fails at start with a clear message on a machine without one).",
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
    chunk_max_words: int = Field(120, ge=20, le=2000, description="Longest chunk, in words.")

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


class RetrievalSettings(_Group):
    """How passages are found and scored."""

    top_k: int = Field(4, ge=1, le=20, description="Passages retrieved per question.")
    candidate_pool: int = Field(
        20, ge=1, le=200, description="Candidates each retriever returns before fusion."
    )
    memory_search_limit: int = Field(
        20000,
        ge=0,
        le=10_000_000,
        description="Up to this many passages, sentence windows are searched as well as "
        "passages; beyond, passages alone (a quarter of the vectors a question touches).",
    )
    passage_weight: float = Field(
        0.5, ge=0, le=5, description="Retrieval: weight of question-passage similarity."
    )
    sentence_weight: float = Field(
        1.0, ge=0, le=5, description="Retrieval: weight of the best sentence-window similarity."
    )
    lexical_weight: float = Field(
        0.5, ge=0, le=5, description="Retrieval: weight of the best sentence's term overlap."
    )
    followup_context_weight: float = Field(
        0.5, ge=0, le=2, description="Weight of earlier turns blended into a follow-up's search."
    )


class AnswerSettings(_Group):
    """How sentences are scored, chosen, refused and cached."""

    max_words: int = Field(
        60, ge=10, le=400, alias="answer_max_words", description="Longest answer, in words."
    )
    lexical_weight: float = Field(
        0.5,
        ge=0,
        le=5,
        alias="answer_lexical_weight",
        description="Answer: weight of a sentence's term overlap.",
    )
    passage_weight: float = Field(
        0.25,
        ge=0,
        le=5,
        alias="answer_passage_weight",
        description="Answer: weight of the sentence's passage score.",
    )
    min_score: float = Field(
        0.6, ge=-5, le=10, description="Refuse when the best sentence scores below this."
    )
    second_sentence_ratio: float = Field(
        0.95, ge=0, le=1, description="Add a sentence scoring at least this share of the best."
    )
    connected_sentences: bool = Field(
        True,
        alias="answer_connected_sentences",
        description="The best sentence comes with the one before it when it points back, and "
        "for why and how questions with the one after it when that carries on.",
    )
    check_specifics: bool = Field(
        True,
        alias="answer_check_specifics",
        description="Refuse when the question states a date, number, name or negation that "
        "the chosen sentences and their passages state differently.",
    )
    unknown_terms_share: float = Field(
        0.5, ge=0, le=1, description="Share of question weight on unknown words that is suspect."
    )
    unknown_terms_min_similarity: float = Field(
        0.45, ge=-1, le=1, description="With that many unknown words, least similarity to answer."
    )
    all_unknown_min_similarity: float = Field(
        0.55,
        ge=-1,
        le=1,
        description="With every word of the question unknown, least similarity to answer.",
    )
    cache_size: int = Field(
        1024,
        ge=0,
        le=1_000_000,
        alias="answer_cache_size",
        description="Answers kept for repeated questions; 0 turns off.",
    )


class LLMSettings(_Group):
    """The optional language model, and how what it writes is verified."""

    provider: Literal["none", "openai-like", "ollama"] = Field(
        "none",
        alias="llm",
        description="Language model for `mode: llm` answers; `none` keeps citeqa offline.",
    )
    base_url: str = Field(
        "http://127.0.0.1:11434/v1",
        alias="llm_base_url",
        description="Base URL of the model server (OpenAI-compatible `/v1`, or Ollama's root).",
    )
    model: str = Field("llama3.1", alias="llm_model", description="Model name the server knows.")
    api_key: str = Field(
        "", alias="llm_api_key", description="API key for the model server, if it needs one."
    )
    timeout_s: float = Field(
        20.0,
        gt=0,
        le=600,
        alias="llm_timeout_s",
        description="Give up on the model after this many seconds.",
    )
    max_tokens: int = Field(
        300, ge=16, le=8192, alias="llm_max_tokens", description="Longest generated answer."
    )
    temperature: float = Field(
        0.0, ge=0, le=2, alias="llm_temperature", description="Sampling temperature."
    )
    verify_min_similarity: float = Field(
        0.35, ge=-1, le=1, description="LLM sentence kept when this similar to a cited sentence."
    )
    verify_min_lexical: float = Field(
        0.5, ge=0, le=1, description="...and this share of its content words is in the passage."
    )


class LimitsSettings(_Group):
    """Who may do what, how often, and how much."""

    api_keys: list[str] = Field(
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
    max_pdf_pages: int = Field(
        2_000,
        ge=1,
        description="Most pages a PDF may have, on upload and in `citeqa ingest`.",
    )
    request_timeout_s: float = Field(
        30.0, gt=0, le=3600, description="A request taking longer answers 503."
    )

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


class ServerSettings(_Group):
    """How `citeqa serve` listens and runs."""

    host: str = Field("127.0.0.1", description="Address `citeqa serve` listens on.")
    port: int = Field(8000, ge=1, le=65535, description="Port `citeqa serve` listens on.")
    redis_url: str = Field(
        "",
        description="redis://host:port/db shared by every worker on every machine: the rate "
        "limit and the answer cache. Empty: each worker keeps its own.",
    )
    request_threads: int = Field(
        8,
        ge=1,
        le=256,
        description="Threads per process that run requests; more add memory, not speed.",
    )
    max_in_flight: int = Field(
        8,
        ge=1,
        le=10_000,
        description="Questions one process answers at once; more wait briefly, then get 503 "
        "`overloaded` with Retry-After.",
    )
    admission_wait_ms: float = Field(
        10.0,
        ge=0,
        le=10_000,
        description="How long a question beyond `max_in_flight` waits for a turn before it is "
        "refused.",
    )
    worker_healthcheck_s: int = Field(
        30,
        ge=1,
        le=600,
        description="With `serve --workers`, a worker that does not answer its supervisor's "
        "check for this long is restarted.",
    )
    cors_origins: list[str] = Field(
        default_factory=list,
        description="Origins (comma-separated) whose pages may call the API from a browser.",
    )
    header_timeout_s: float = Field(
        10.0,
        gt=0,
        le=600,
        description="A connection whose request has not sent all its headers this long after "
        "it opened (or after the last response) is closed.",
    )

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [origin.strip().rstrip("/") for origin in value.split(",") if origin.strip()]
        return value

    @field_validator("redis_url")
    @classmethod
    def _check_redis_url(cls, value: str) -> str:
        value = value.strip()
        if value and not value.startswith(("redis://", "rediss://")):
            raise ValueError(
                f"'{value}' is not a Redis URL citeqa can use. Use redis://HOST:PORT/DB, e.g. "
                "redis://127.0.0.1:6379/0 (rediss:// for TLS), or leave it empty"
            )
        return value


GROUPS: dict[str, type[_Group]] = {
    "index": IndexSettings,
    "retrieval": RetrievalSettings,
    "answer": AnswerSettings,
    "llm": LLMSettings,
    "limits": LimitsSettings,
    "server": ServerSettings,
}


def flat_names() -> dict[str, tuple[str, str, FieldInfo]]:
    """Every setting by its flat name: its group, its field name there, and the field."""
    return {
        (info.alias or name): (group, name, info)
        for group, model in GROUPS.items()
        for name, info in model.model_fields.items()
    }


def grouped(values: dict[str, Any]) -> dict[str, Any]:
    """Settings given by group and by flat name, as groups; a flat name wins over its
    group's value (it is the more specific). An unknown name is an error naming it."""
    names = flat_names()
    groups = {k: v for k, v in values.items() if k in GROUPS and isinstance(v, dict | BaseModel)}
    result: dict[str, dict[str, Any]] = {}
    for key, value in groups.items():
        given = value.model_dump() if isinstance(value, BaseModel) else dict(value)
        result.setdefault(key, {}).update(given)
    for key, value in values.items():
        if key in groups:
            continue  # `llm` names a group and a setting (the provider): a string is the latter
        if key not in names:
            raise ValueError(f"Unknown setting '{key}'. See the settings table in README.md.")
        group, field, _ = names[key]
        result.setdefault(group, {})[field] = value
    return result


class Settings(BaseSettings):
    """Every knob of the service, grouped; see the settings table in README.md.

    Built from the environment (`Settings()`), or in code from flat names
    (`Settings(top_k=5)`), groups (`Settings(retrieval={"top_k": 5})`) or both.
    """

    model_config = SettingsConfigDict(env_prefix=PREFIX, env_file=".env", extra="forbid")

    index: IndexSettings = Field(default_factory=IndexSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    answer: AnswerSettings = Field(default_factory=AnswerSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    limits: LimitsSettings = Field(default_factory=LimitsSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)

    def __init__(self, **values: Any) -> None:
        """Flat names (`top_k=5`) or groups (`retrieval={...}`); the rest from the environment."""
        super().__init__(**values)

    @model_validator(mode="before")
    @classmethod
    def _group_flat_names(cls, values: Any) -> Any:
        """`top_k=5` is `retrieval={"top_k": 5}`; an unknown name is an error naming it."""
        return grouped(values) if isinstance(values, dict) else values

    def with_values(self, **values: Any) -> Settings:
        """A copy with some settings changed, by flat name (`with_values(top_k=5)`) or by
        group (`with_values(retrieval={"top_k": 5})`); the others keep their values."""
        current = {group: getattr(self, group).model_dump() for group in GROUPS}
        for group, fields in grouped(values).items():
            current[group].update(fields)
        return type(self).model_validate(current)

    def flat(self, secrets: bool = False) -> dict[str, Any]:
        """Every setting by its flat name, as JSON values; secrets left out unless asked."""
        values = {}
        for name, (group, field, _) in flat_names().items():
            if secrets or name not in SECRETS:
                values[name] = getattr(getattr(self, group), field)
        as_json: dict[str, Any] = json.loads(json.dumps(values, default=str))
        return as_json

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Arguments first, then `CITEQA_*` variables, then `.env`, then defaults. Each source
        gives groups, so that they merge setting by setting."""
        return (_Grouped(settings_cls, init_settings), _FlatEnvironment(settings_cls))


class _Grouped(PydanticBaseSettingsSource):
    """Another source's values, flat names and groups alike, as groups."""

    def __init__(self, settings_cls: type[BaseSettings], source: PydanticBaseSettingsSource):
        super().__init__(settings_cls)
        self.source = source

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # every value is found by `__call__`

    def __call__(self) -> dict[str, Any]:
        return grouped(self.source())


class _FlatEnvironment(PydanticBaseSettingsSource):
    """`CITEQA_<NAME>` from the environment, else from `.env`, by each setting's flat name."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # every value is found by `__call__`

    def __call__(self) -> dict[str, Any]:
        env_file = self.config.get("env_file")
        found = {
            key.lower(): value
            for key, value in (dotenv_values(str(env_file)) if env_file else {}).items()
            if value is not None and key.upper().startswith(PREFIX)
        }
        found.update(
            (key.lower(), value)
            for key, value in os.environ.items()
            if key.upper().startswith(PREFIX)
        )
        names = flat_names()
        flat = {key[len(PREFIX) :]: value for key, value in found.items()}
        return grouped({name: value for name, value in flat.items() if name in names})


_UNITS = {"second": 1.0, "minute": 60.0, "hour": 3600.0}


def parse_rate(value: str) -> tuple[int, float] | None:
    """`60/minute` → (60, 60.0): so many requests per so many seconds; None if malformed."""
    count, _, unit = value.strip().partition("/")
    unit = unit.strip().lower().rstrip("s")
    if not count.strip().isdigit() or int(count) < 1 or unit not in _UNITS:
        return None
    return int(count), _UNITS[unit]
