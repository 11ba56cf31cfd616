"""Optional LLM answers through llama-index's model integrations.

The model sees the retrieved passages numbered `[1]`, `[2]`, … and the rules in
`prompts/answer.txt`; what it writes is checked sentence by sentence (`verification.py`)
before anyone sees it as an answer. Every failure of the model is raised as `ModelFailed`
with its cause; `generative.py` decides what to answer instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from citeqa.index.errors import ModelFailed
from citeqa.prompts import load_prompt, render_prompt
from citeqa.service.engine.conversation import Turn
from citeqa.service.engine.retrieval import Hit

if TYPE_CHECKING:
    from llama_index.core.llms import LLM

    from citeqa.service.config import LLMSettings


def build_llm(settings: LLMSettings) -> LLM | None:
    """The configured model client, or None when `CITEQA_LLM=none`. Makes no request."""
    if settings.provider == "openai-like":
        from llama_index.llms.openai_like import OpenAILike

        model: LLM = OpenAILike(
            model=settings.model,
            api_base=settings.base_url,
            api_key=settings.api_key or "not-needed",
            timeout=settings.timeout_s,
            max_retries=0,
            max_tokens=settings.max_tokens,
            temperature=settings.temperature,
            is_chat_model=True,
            context_window=8192,
        )
        return model
    if settings.provider == "ollama":
        from llama_index.llms.ollama import Ollama

        model = Ollama(
            model=settings.model,
            base_url=settings.base_url,
            request_timeout=settings.timeout_s,
            temperature=settings.temperature,
            additional_kwargs={"num_predict": settings.max_tokens},
        )
        return model
    return None


def _describe(error: BaseException) -> str:
    name = type(error).__name__
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    if "timeout" in name.lower() or "timed out" in text.lower():
        return "the model did not answer within the timeout"
    if "connect" in name.lower() or "connection" in text.lower():
        return "the model server could not be reached"
    return (
        f"the model server failed ({name}: {text[:200]})" if text else f"the model failed ({name})"
    )


class Generator:
    """Asks the model for an answer over numbered sources, or for a standalone question."""

    def __init__(self, llm: LLM) -> None:
        self.llm = llm

    def _messages(self, question: str, hits: list[Hit]) -> list[object]:
        from llama_index.core.llms import ChatMessage, MessageRole

        sources = "\n\n".join(
            f"[{n}] {hit.chunk.document_title}: {hit.chunk.text}"
            for n, hit in enumerate(hits, start=1)
        )
        return [
            ChatMessage(role=MessageRole.SYSTEM, content=load_prompt("answer")),
            ChatMessage(
                role=MessageRole.USER,
                content=render_prompt("answer-question", sources=sources, question=question),
            ),
        ]

    def generate(self, question: str, hits: list[Hit]) -> str:
        """The model's whole answer."""
        try:
            response = self.llm.chat(self._messages(question, hits))  # type: ignore[arg-type]
        except Exception as error:  # every client error means: answer without the model
            raise ModelFailed(_describe(error)) from error
        text = (response.message.content or "").strip()
        if not text:
            raise ModelFailed("the model returned an empty answer")
        return text

    def stream(self, question: str, hits: list[Hit]) -> Iterator[str]:
        """The model's answer, piece by piece as it arrives."""
        try:
            for chunk in self.llm.stream_chat(self._messages(question, hits)):  # type: ignore[arg-type]
                if chunk.delta:
                    yield chunk.delta
        except Exception as error:
            raise ModelFailed(_describe(error)) from error

    def condense(self, turns: list[Turn]) -> str:
        """The last user message rewritten to stand on its own."""
        history = "\n".join(f"{t.role}: {t.content}" for t in turns[:-1])
        prompt = render_prompt("condense", history=history, question=turns[-1].content)
        try:
            text = self.llm.complete(prompt).text.strip()
        except Exception as error:
            raise ModelFailed(_describe(error)) from error
        first_line = text.splitlines()[0].strip() if text else ""
        if not first_line:
            raise ModelFailed("the model returned an empty question")
        return first_line
