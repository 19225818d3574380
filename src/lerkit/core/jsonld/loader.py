"""A strict, offline JSON-LD document loader over the contexts bundled in ``lerkit.core.contexts``.

Any URL that is not bundled (or explicitly added) is refused with
:class:`~lerkit.core.errors.ContextUnknownError`; nothing is ever fetched.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any, Protocol

from lerkit.core.errors import ContextUnknownError
from lerkit.core.types import JsonObject


class DocumentLoader(Protocol):
    """The pyld document-loader calling convention."""

    def __call__(self, url: str, options: Any = None) -> JsonObject: ...


@cache
def _index() -> dict[str, str]:
    text = resources.files("lerkit.core.contexts").joinpath("index.json").read_text("utf-8")
    index: dict[str, str] = json.loads(text)
    return index


@cache
def _load_file(name: str) -> JsonObject:
    text = resources.files("lerkit.core.contexts").joinpath(name).read_text("utf-8")
    doc: JsonObject = json.loads(text)
    return doc


class _BundledContexts(Mapping[str, JsonObject]):
    """Read-only mapping URL -> parsed context document, loaded lazily."""

    def __getitem__(self, url: str) -> JsonObject:
        return _load_file(_index()[url])

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(_index())

    def __len__(self) -> int:
        return len(_index())


BUNDLED_CONTEXTS: Mapping[str, JsonObject] = _BundledContexts()
"""Every bundled context, by URL (``contexts/index.json``)."""


class StaticDocumentLoader:
    """Serves bundled contexts plus any documents given; refuses every other URL.

    Results carry ``"tag": "static"`` so pyld caches the processed contexts process-wide.
    """

    def __init__(self, extra: Mapping[str, JsonObject] | None = None) -> None:
        self._extra: dict[str, JsonObject] = dict(extra or {})

    def with_documents(self, extra: Mapping[str, JsonObject]) -> StaticDocumentLoader:
        """A new loader that also serves ``extra`` (e.g. a test context)."""
        return StaticDocumentLoader({**self._extra, **extra})

    def knows(self, url: str) -> bool:
        return url in self._extra or url in _index()

    def document(self, url: str) -> JsonObject:
        """The parsed document for ``url`` or :class:`ContextUnknownError`."""
        if url in self._extra:
            return self._extra[url]
        name = _index().get(url)
        if name is None:
            raise ContextUnknownError(url)
        return _load_file(name)

    def __call__(self, url: str, options: Any = None) -> JsonObject:
        return {
            "contextUrl": None,
            "documentUrl": url,
            "document": self.document(url),
            "tag": "static",
        }


_DEFAULT = StaticDocumentLoader()


def default_loader() -> StaticDocumentLoader:
    """The loader over the bundled contexts only."""
    return _DEFAULT
