"""The verifier's use case: verify credentials and presentations with resources found
offline first (documents the caller supplies) and, when allowed, through a bounded fetcher."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from lerkit.core.dids.base import DidResolver
from lerkit.core.errors import LerkitError, ProblemCode, ResolutionError
from lerkit.core.report import VerificationReport
from lerkit.core.types import JsonObject
from lerkit.core.verify import VerifyContext, verify_credential, verify_presentation
from lerkit.services.interfaces import JsonFetcher


class StatusLists:
    """Status list credentials by URL: supplied documents first, then the fetcher (if any).

    Lists are fetched whole and kept for the life of this object (herd privacy: a list is
    never asked for per credential).
    """

    def __init__(
        self, documents: Mapping[str, JsonObject] | None = None, fetcher: JsonFetcher | None = None
    ) -> None:
        self._documents = dict(documents or {})
        self._fetcher = fetcher

    def get(self, url: str) -> JsonObject:
        if url in self._documents:
            return self._documents[url]
        if self._fetcher is None:
            raise ResolutionError(
                f"status list {url} is not available offline: give it with "
                f"--resource {url}=FILE, or pass --allow-network",
                ProblemCode.STATUS_UNRESOLVABLE,
            )
        try:
            doc = self._fetcher.get_json(url)
        except LerkitError as exc:
            raise ResolutionError(
                f"status list {url} could not be fetched: {exc}", ProblemCode.STATUS_UNRESOLVABLE
            ) from exc
        self._documents[url] = doc
        return doc


class Verifier:
    def __init__(
        self,
        resolver: DidResolver,
        status_lists: StatusLists,
        clock: Callable[[], datetime],
        check_schema: bool = True,
    ) -> None:
        self._resolver = resolver
        self._status_lists = status_lists
        self._clock = clock
        self._check_schema = check_schema

    def _context(self, now: datetime | None) -> VerifyContext:
        return VerifyContext(
            resolver=self._resolver,
            now=now or self._clock(),
            status_lists=self._status_lists,
            check_schema=self._check_schema,
        )

    def verify_credential(
        self, credential: JsonObject | str, now: datetime | None = None
    ) -> VerificationReport:
        return verify_credential(credential, self._context(now))

    def verify_presentation(
        self,
        presentation: JsonObject | str,
        *,
        challenge: str | None,
        domain: str | None,
        now: datetime | None = None,
    ) -> VerificationReport:
        return verify_presentation(
            presentation, self._context(now), challenge=challenge, domain=domain
        )
