"""citeqa inside a llama-index application: a retriever and a query engine.

    from citeqa.service.llamaindex import CiteqaQueryEngine, CiteqaRetriever

    engine = CiteqaQueryEngine(url="http://127.0.0.1:8000")      # a running citeqa serve
    response = engine.query("Who was killed in the consulate strike?")
    response.response                 # the cited answer, with [n] markers
    response.source_nodes[0].metadata  # {"quote", "document_id", "start", "end", "page", ...}

Both work in-process (`engine=Engine.open(Settings())`) or against a citeqa URL
(`url=`, with `api_key=` and `collection=` when needed). The retriever gives the passages
citeqa retrieves; the query engine gives citeqa's answer, every `source_node` a citation
whose `quote` is `text[start:end]` of its document.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import anyio
import httpx
from llama_index.core.base.base_query_engine import BaseQueryEngine
from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.base.response.schema import Response
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from citeqa.service.engine.engine import Engine


class _Source:
    """Where answers come from: an engine in this process, or a citeqa service's URL."""

    def __init__(
        self,
        engine: Engine | None,
        url: str | None,
        api_key: str | None,
        collection: str | None,
        timeout_s: float,
    ) -> None:
        if (engine is None) == (url is None):
            raise ValueError("Give either engine= (in-process) or url= (a citeqa service).")
        self.engine, self.collection = engine, collection
        headers = {"authorization": f"Bearer {api_key}"} if api_key else {}
        self.http = (
            httpx.Client(base_url=url.rstrip("/"), headers=headers, timeout=timeout_s)
            if url
            else None
        )

    def ask(self, question: str, top_k: int | None, passages: bool) -> dict[str, Any]:
        """citeqa's answer body (the same fields in-process and over HTTP)."""
        if self.engine is not None:
            return asdict(self.engine.ask(question, top_k, include_passages=passages))
        return self._post(question, top_k, passages)

    def search(self, query: str, k: int) -> list[dict[str, Any]]:
        """The `k` passages that best match `query`: in-process without composing an answer;
        over HTTP, those `/v1/ask` returns with its answer."""
        if self.engine is not None:
            return [asdict(passage) for passage in self.engine.search(query, k)]
        return list(self._post(query, k, passages=True).get("passages") or [])[:k]

    def _post(self, question: str, top_k: int | None, passages: bool) -> dict[str, Any]:
        assert self.http is not None
        body: dict[str, Any] = {"question": question, "include_passages": passages}
        if top_k:
            body["top_k"] = top_k
        if self.collection:
            body["collection"] = self.collection
        response = self.http.post("/v1/ask", json=body)
        if response.status_code != 200:
            raise RuntimeError(f"citeqa answered {response.status_code}: {response.text[:300]}")
        return response.json()  # type: ignore[no-any-return]


class CiteqaRetriever(BaseRetriever):
    """The passages citeqa retrieves for a query, best first, as llama-index nodes: each
    node's text is a passage, its metadata the document, offsets and page."""

    def __init__(
        self,
        engine: Engine | None = None,
        *,
        url: str | None = None,
        api_key: str | None = None,
        collection: str | None = None,
        top_k: int = 5,
        timeout_s: float = 60.0,
    ) -> None:
        super().__init__()
        self._source = _Source(engine, url, api_key, collection, timeout_s)
        self._top_k = top_k

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        return [
            NodeWithScore(
                node=TextNode(
                    id_=p["chunk_id"],
                    text=p["text"],
                    metadata={
                        "document_id": p["document_id"],
                        "quote": p["text"],
                        "start": p["start"],
                        "end": p["end"],
                        **({"page": p["page"]} if p.get("page") is not None else {}),
                    },
                ),
                score=p["score"],
            )
            for p in self._source.search(query_bundle.query_str, self._top_k)
        ]


class CiteqaQueryEngine(BaseQueryEngine):
    """citeqa's cited answer as a llama-index `Response`: `response` is the answer with its
    `[n]` markers, each `source_node` the citation n (its passage as text; the verbatim
    quote, document, offsets, page and reader URL as metadata). `metadata["answered"]` is
    false when the documents do not hold the answer."""

    def __init__(
        self,
        engine: Engine | None = None,
        *,
        url: str | None = None,
        api_key: str | None = None,
        collection: str | None = None,
        timeout_s: float = 60.0,
    ) -> None:
        super().__init__(callback_manager=None)
        self._source = _Source(engine, url, api_key, collection, timeout_s)

    def _get_prompt_modules(self) -> dict[str, Any]:
        return {}

    def _query(self, query_bundle: QueryBundle) -> Response:
        body = self._source.ask(query_bundle.query_str, None, passages=False)
        nodes = [
            NodeWithScore(
                node=TextNode(
                    id_=f"{c['chunk_id']}:{c['marker']}",
                    text=c["text"],
                    metadata={
                        key: c.get(key)
                        for key in (
                            "marker",
                            "document_id",
                            "document_title",
                            "quote",
                            "start",
                            "end",
                            "page",
                            "section",
                            "url",
                        )
                        if c.get(key) is not None
                    },
                ),
                score=c["score"],
            )
            for c in body["citations"]
        ]
        return Response(
            response=body["answer"],
            source_nodes=nodes,
            metadata={"answered": body["answered"], "mode": body.get("mode")},
        )

    async def _aquery(self, query_bundle: QueryBundle) -> Response:
        return await anyio.to_thread.run_sync(self._query, query_bundle)
