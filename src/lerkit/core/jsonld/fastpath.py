"""Memoized JSON-LD context processing for the bundled (static) contexts.

Why: pyld re-processes OB 3.0's type-scoped contexts for every node of every document
(a type-scoped context is applied to a fresh clone of the active context, which gets a fresh
``_uuid``, so pyld's own per-context cache never hits), and it JCS-serializes every embedded
context object on every use to build a cache key. Together that is most of a Data Integrity
sign or verify.

What is memoized, and why that is safe:

* Only contexts that come from the *bundled* context documents. :class:`BundledLoader`
  serves private deep copies of them that nothing outside this module (and pyld, which does
  not modify them) can reach, and that stay alive for the life of the process, so their
  ``id()`` is a stable identity. A context object written inline in a caller's document is
  never memoized by identity: it goes through pyld's own content-keyed (JCS) path, and a
  private copy of it is what pyld keeps (so mutating the caller's object later cannot change
  a cached result).
* Processing a context is a pure function of (the active context, the local context, the
  flags, ``base`` and ``processingMode``). Active contexts are identified by their ``_uuid``,
  and only frozen ones (pyld freezes every processed context and never changes it again)
  are used as keys. The memo returns the same frozen object each time, so active-context
  identities stay stable across documents and the memo also hits for nested scopes.
* Only successful results are memoized; errors are raised again on every call.

Nothing here is thread-safe by itself: every call must hold :data:`LOCK` (``rdfc`` does).
Nothing here does I/O beyond reading the bundled context files (through the loader).
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from c14n.Canonicalize import canonicalize as _jcs
from frozendict import frozendict
from pyld import jsonld
from pyld.context_resolver import ContextResolver
from pyld.resolved_context import ResolvedContext

from lerkit.core.errors import ContextUnknownError
from lerkit.core.jsonld.loader import BUNDLED_CONTEXTS
from lerkit.core.types import JsonObject

LOCK = threading.RLock()
"""Serializes every use of pyld (its caches, and ours, are not thread-safe)."""

_MEMO_MAX = 1024  # ~11 KB each (an OB 3.0 active context); ~30 in use for OB 3.0
_RESOLVED_MAX = 256  # pyld keeps 100 in its own global cache


class _Lru:
    """A small LRU map (callers hold :data:`LOCK`)."""

    def __init__(self, maxsize: int) -> None:
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._max = maxsize

    def get(self, key: Hashable) -> Any:
        value = self._data.get(key)
        if value is not None:
            self._data.move_to_end(key)
        return value

    def __setitem__(self, key: Hashable, value: Any) -> None:
        self._data[key] = value
        self._data.move_to_end(key)
        while len(self._data) > self._max:
            self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)

    def clear(self) -> None:
        self._data.clear()


def _register(value: Any, ids: set[int]) -> None:
    """Record the identity of every object and array inside a bundled document."""
    stack = [value]
    while stack:
        cur = stack.pop()
        if isinstance(cur, dict):
            ids.add(id(cur))
            stack.extend(cur.values())
        elif isinstance(cur, list):
            ids.add(id(cur))
            stack.extend(cur)


class BundledLoader:
    """Serves private, never-modified copies of the bundled contexts (tag ``static``).

    Refuses every other URL, exactly as :func:`~lerkit.core.jsonld.loader.default_loader`.
    """

    def __init__(self) -> None:
        self._docs: dict[str, JsonObject] = {}
        self.static_ids: set[int] = set()

    def __call__(self, url: str, options: Any = None) -> JsonObject:
        doc = self._docs.get(url)
        if doc is None:
            if url not in BUNDLED_CONTEXTS:
                raise ContextUnknownError(url)
            doc = copy.deepcopy(BUNDLED_CONTEXTS[url])
            _register(doc, self.static_ids)
            self._docs[url] = doc  # kept alive for good: ids are never reused
        return {"contextUrl": None, "documentUrl": url, "document": doc, "tag": "static"}


class _Resolver(ContextResolver):  # type: ignore[misc]
    """pyld's resolver, with a bundled context object keyed by identity instead of by its
    JCS serialization, and a private copy kept of any other (inline) context object."""

    def __init__(self, shared_cache: Any, loader: BundledLoader) -> None:
        super().__init__(shared_cache, loader)
        self._static_ids = loader.static_ids

    def resolve(
        self, active_ctx: Any, context: Any, base: Any, cycles: Any = None
    ) -> list[ResolvedContext]:
        if cycles is None:
            cycles = set()
        if isinstance(context, (dict, frozendict)) and "@context" in context:
            context = context["@context"]
        if not isinstance(context, list):
            context = [context]
        all_resolved: list[ResolvedContext] = []
        for ctx in context:
            if isinstance(ctx, str):
                resolved = self._get(ctx)
                if not resolved:
                    resolved = self._resolve_remote_context(active_ctx, ctx, base, cycles)
                if isinstance(resolved, list):
                    all_resolved.extend(resolved)
                else:
                    all_resolved.append(resolved)
            elif ctx is None or ctx is False:
                all_resolved.append(ResolvedContext(False))
            elif not isinstance(ctx, (dict, frozendict)):
                raise jsonld.JsonLdError(
                    "Invalid JSON-LD syntax; @context must be an object.",
                    "jsonld.SyntaxError",
                    {"context": ctx},
                    code="invalid local context",
                )
            else:
                key: Hashable
                if id(ctx) in self._static_ids:
                    key = ("static", id(ctx))
                    document = ctx
                else:
                    key = _jcs(dict(ctx)).decode("utf-8")
                    document = None
                resolved = self._get(key)
                if not resolved:
                    if document is None:
                        document = copy.deepcopy(ctx)
                    resolved = ResolvedContext(document)
                    self._cache_resolved_context(key, resolved, "static")
                all_resolved.append(resolved)
        return all_resolved


_LOADER = BundledLoader()
_RESOLVED = _Lru(_RESOLVED_MAX)  # pyld's "shared cache" for our resolver (URL/key -> tags)
_MEMO = _Lru(_MEMO_MAX)  # (active ctx, local ctx, flags, options) -> processed context
_STATS = {"hits": 0, "misses": 0, "bypass": 0}


def bundled_loader() -> BundledLoader:
    return _LOADER


def new_resolver() -> ContextResolver:
    """A per-operation resolver over the bundled contexts (hold :data:`LOCK`)."""
    return _Resolver(_RESOLVED, _LOADER)


_IMMUTABLE = (str, int, float, bool, type(None))


def json_clone(value: Any) -> Any:
    """A deep copy of JSON data, several times faster than :func:`copy.deepcopy`.

    Objects and arrays are copied; strings, numbers, booleans and null are shared (they are
    immutable); anything else is deep-copied the slow way.
    """
    if isinstance(value, dict):
        return {k: v if type(v) in _IMMUTABLE else json_clone(v) for k, v in value.items()}
    if isinstance(value, list):
        return [v if type(v) in _IMMUTABLE else json_clone(v) for v in value]
    if type(value) in _IMMUTABLE:
        return value
    return copy.deepcopy(value)


class CloneOnDeepcopy(dict[str, Any]):
    """A document wrapper whose ``copy.deepcopy`` (pyld copies its input before expanding
    it) is :func:`json_clone`: pyld still works on a private copy, just made faster."""

    def __deepcopy__(self, memo: Any) -> Any:
        return json_clone(self)


def _local_key(local_ctx: Any, static_ids: set[int]) -> Hashable | None:
    """A hashable identity for a context made only of bundled parts, else None."""
    if isinstance(local_ctx, str):
        return local_ctx
    if local_ctx is None or local_ctx is False:
        return ("null", local_ctx)
    if isinstance(local_ctx, (dict, list)):
        if id(local_ctx) in static_ids:
            return ("static", id(local_ctx))
        if isinstance(local_ctx, list):
            parts = []
            for item in local_ctx:
                part = _local_key(item, static_ids)
                if part is None:
                    return None
                parts.append(part)
            return ("list", tuple(parts))
    return None


class FastProcessor(jsonld.JsonLdProcessor):  # type: ignore[misc]
    """pyld's processor with context processing memoized for the bundled contexts.

    Use only with :func:`new_resolver` as ``contextResolver`` and :func:`bundled_loader` as
    ``documentLoader``, while holding :data:`LOCK`.
    """

    def _process_context(
        self,
        active_ctx: Any,
        local_ctx: Any,
        options: Any,
        override_protected: bool = False,
        propagate: bool = True,
        validate_scoped: bool = True,
        cycles: Any = None,
    ) -> Any:
        key: Hashable | None = None
        if isinstance(active_ctx, frozendict) and options.get("documentLoader") is _LOADER:
            local = _local_key(local_ctx, _LOADER.static_ids)
            uuid = active_ctx.get("_uuid")
            if local is not None and isinstance(uuid, str):
                key = (
                    uuid,
                    local,
                    bool(override_protected),
                    bool(propagate),
                    bool(validate_scoped),
                    options.get("base"),
                    options.get("processingMode"),
                )
        if key is None:
            _STATS["bypass"] += 1
            return super()._process_context(
                active_ctx,
                local_ctx,
                options,
                override_protected=override_protected,
                propagate=propagate,
                validate_scoped=validate_scoped,
                cycles=cycles,
            )
        cached = _MEMO.get(key)
        if cached is not None:
            _STATS["hits"] += 1
            return cached
        _STATS["misses"] += 1
        result = super()._process_context(
            active_ctx,
            local_ctx,
            options,
            override_protected=override_protected,
            propagate=propagate,
            validate_scoped=validate_scoped,
            cycles=cycles,
        )
        if isinstance(result, frozendict):
            _MEMO[key] = result
        return result


def stats() -> dict[str, int]:
    """Memo counters (hits, misses, bypass) and sizes, for tests and the benchmark."""
    return {**_STATS, "memo": len(_MEMO), "resolved": len(_RESOLVED)}


def clear() -> None:
    """Forget every memoized result (hold :data:`LOCK`). For tests."""
    _MEMO.clear()
    _RESOLVED.clear()
    for k in _STATS:
        _STATS[k] = 0
