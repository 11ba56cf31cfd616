"""Collections: separate knowledge bases in one service, each with its own engine.

A collection is a set of documents that questions are answered from, apart from every other
(one per audience: "handbook", "contracts"). The default collection, `default`, is the index
citeqa always had (`CITEQA_COLLECTION` in Chroma); another is kept in Chroma beside it under
`<CITEQA_COLLECTION>--<name>`. Each is opened on first use and kept; all share one model.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable

from citeqa.index.errors import CollectionNotFound, InvalidRequest
from citeqa.service.config import Settings
from citeqa.service.engine.engine import DEFAULT_COLLECTION, Engine, collection_of

# Lower-case letters, digits, "-" and "_", at most 48 characters, starting and ending with a
# letter or digit: a name that is safe in a URL, a Chroma name and a file name.
NAME = re.compile(r"[a-z0-9](?:[a-z0-9_-]{0,46}[a-z0-9])?")
NAME_RULE = "lower-case letters, digits, '-' and '_', at most 48, starting and ending alphanumeric"


def check_name(name: str) -> str:
    """The name, when it is a valid collection name; else `InvalidRequest` naming the rule."""
    if not NAME.fullmatch(name):
        raise InvalidRequest(f"collection: '{name}' is not a collection name ({NAME_RULE}).")
    return name


class Collections:
    """The engines of every collection a service answers from, opened when first asked for."""

    def __init__(self, settings: Settings, default: Callable[[], Engine]) -> None:
        self.settings = settings
        self._default = default  # the default collection's engine, opened with the service
        self._open: dict[str, Engine] = {}
        self._opening = threading.Lock()

    def get(self, name: str | None, *, create: bool = False) -> Engine:
        """The engine of collection `name` (the default one for None). A collection no
        document was ever added to is `CollectionNotFound`, unless `create` is set (adding
        a document creates its collection)."""
        name = check_name(name or DEFAULT_COLLECTION)
        if name == DEFAULT_COLLECTION:
            return self._default()
        engine = self._open.get(name)
        if engine is not None:
            return engine
        if not create and name not in self.names():
            raise CollectionNotFound(
                f"No collection '{name}'. Add a document to it (POST /v1/documents with "
                f'"collection": "{name}") or list the collections with GET /v1/collections.'
            )
        with self._opening:
            if name not in self._open:
                engine = Engine.open(self.settings, name)
                engine.warm_up()
                self._open[name] = engine
        return self._open[name]

    def names(self) -> list[str]:
        """Every collection in the store: the default one and those documents were added to."""
        base = self.settings.index.collection
        found = {DEFAULT_COLLECTION}
        for stored in self._default().library.store.names_beside():
            name = collection_of(base, stored)
            if name is not None and NAME.fullmatch(name):
                found.add(name)
        return sorted(found)
