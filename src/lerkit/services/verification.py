"""The verifier's use case: one entry point for every format lerkit reads.

:meth:`Verifier.verify_any` takes what a person or a program hands over — a W3C credential
or presentation (Data Integrity JSON-LD, VC-JWT, enveloped), an SD-JWT VC (with its
key binding), a CLR 2.0 (the credentials inside are verified too), an Open Badges 2.0
assertion (hosted: its JSON or its URL; signed: a JWS), a baked PNG/SVG image, a VC-API
``{"verifiableCredential": ...}`` wrapper, or the URL of any of these — and returns one
:class:`VerificationReport`. An expired, revoked, tampered or untrusted credential is a
report, never an exception; only input that is none of these formats raises
:class:`InputError` (``input.malformed`` / ``verify.format_unknown``).

Resources are found offline first (documents the caller supplies) and, when allowed,
through a bounded fetcher. Status lists are fetched whole (herd privacy) and, once their
proof verified, remembered by URL and content (:class:`VerifiedLists`) so that the same
list is not verified again for every credential.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Protocol

from lerkit.core import baking, ob2
from lerkit.core.dids.base import DidResolver
from lerkit.core.errors import InputError, LerkitError, ProblemCode, ResolutionError
from lerkit.core.jsonvalue import parse_json
from lerkit.core.report import VerificationReport
from lerkit.core.trust import Recognition, Scope, with_trust
from lerkit.core.types import JsonObject
from lerkit.core.verify import (
    VerifiedLists,
    VerifyContext,
    looks_like_sd_jwt,
    verify_credential,
    verify_presentation,
    verify_sd_jwt_credential,
)
from lerkit.services.interfaces import JsonFetcher

TrustEvaluator = Callable[[str | None, Scope], Recognition]
"""``evaluate(issuer, scope)``: is the (verified) issuer recognised for this credential?"""

MAX_INPUT_BYTES = 10 * 1024 * 1024


class FetchedDocument(Protocol):
    @property
    def body(self) -> bytes: ...

    @property
    def content_type(self) -> str: ...


class DocumentFetcher(Protocol):
    """Fetches a URL's bytes, bounded in time and size (``BoundedFetcher``)."""

    def get_bytes(self, url: str, accept: str = "*/*") -> FetchedDocument: ...

    def get_json(self, url: str, accept: str = "application/json") -> Any: ...


class StatusLists:
    """Status list credentials by URL: supplied documents first, then the fetcher (if any).

    Lists are fetched whole and kept for the life of this object (herd privacy: a list is
    never asked for per credential); a fetcher with an HTTP cache keeps them across
    verifiers, revalidated by ETag.
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


def _is_url(text: str) -> bool:
    return text.startswith(("https://", "http://")) and not any(c.isspace() for c in text)


def _types(doc: JsonObject) -> set[str]:
    t = doc.get("type", [])
    if isinstance(t, str):
        return {t}
    return {x for x in t if isinstance(x, str)} if isinstance(t, list) else set()


class Verifier:
    """Verifies credentials and presentations of every format lerkit reads.

    ``fetcher`` (optional) fetches OB 2.0 documents and URLs handed to :meth:`verify_any`;
    ``verified_lists`` remembers verified status lists across calls (share one).
    """

    def __init__(
        self,
        resolver: DidResolver,
        status_lists: StatusLists,
        clock: Callable[[], datetime],
        check_schema: bool = True,
        *,
        fetcher: DocumentFetcher | None = None,
        verified_lists: VerifiedLists | None = None,
    ) -> None:
        self._resolver = resolver
        self._status_lists = status_lists
        self._clock = clock
        self._check_schema = check_schema
        self._fetcher = fetcher
        self._verified_lists = verified_lists

    def _context(self, now: datetime | None, nested: bool = False) -> VerifyContext:
        return VerifyContext(
            resolver=self._resolver,
            now=now or self._clock(),
            status_lists=self._status_lists,
            check_schema=self._check_schema,
            verify_nested=nested,
            verified_lists=self._verified_lists,
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

    # ------------------------------------------------------------------------- any format

    def verify_any(
        self,
        document: str | bytes | JsonObject,
        *,
        trust: TrustEvaluator | None = None,
        challenge: str | None = None,
        domain: str | None = None,
        recipient: str | None = None,
        now: datetime | None = None,
        lang: str = "en",
    ) -> VerificationReport:
        """Verify whatever ``document`` is (see the module docstring).

        ``challenge``/``domain``: what a presentation's proof (or an SD-JWT's KB-JWT
        ``nonce``/``aud``) must answer. ``recipient``: the identity an OB 2.0 assertion
        must be awarded to. ``trust``: adds the trust check (issuer recognised or not).
        ``lang`` is the language of the report's plain-words explanations.
        """
        when = now or self._clock()
        report = self._dispatch(document, when, challenge, domain, recipient, depth=0)
        if trust is not None:
            report = with_trust(report, trust)
        return report.with_lang(lang)

    def _dispatch(
        self,
        document: str | bytes | JsonObject,
        now: datetime,
        challenge: str | None,
        domain: str | None,
        recipient: str | None,
        depth: int,
    ) -> VerificationReport:
        if depth > 3:
            raise InputError("too many levels of wrapping", ProblemCode.FORMAT_UNKNOWN)
        if isinstance(document, bytes | bytearray):
            data = bytes(document)
            if len(data) > MAX_INPUT_BYTES:
                raise InputError("the input is larger than 10 MB", ProblemCode.INPUT_MALFORMED)
            if baking.sniff_media(data) is not None:
                unbaked = baking.unbake(data)
                if unbaked.form == "url":
                    assert isinstance(unbaked.value, str)
                    return self._ob2(unbaked.value.strip(), now, recipient)
                return self._dispatch(unbaked.value, now, challenge, domain, recipient, depth + 1)
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InputError(
                    "the input is neither a baked PNG/SVG image nor UTF-8 text",
                    ProblemCode.FORMAT_UNKNOWN,
                ) from exc
            return self._dispatch(text, now, challenge, domain, recipient, depth + 1)
        if isinstance(document, str):
            text = document.strip().lstrip("\ufeff").strip()
            if not text:
                raise InputError("the input is empty", ProblemCode.INPUT_MALFORMED)
            if _is_url(text):
                return self._url(text, now, challenge, domain, recipient, depth)
            if looks_like_sd_jwt(text):
                ctx = self._context(now)
                return verify_sd_jwt_credential(text, ctx, nonce=challenge, audience=domain)
            if text[0] not in '{["' and text.count(".") == 2:
                if ob2.is_signed_ob2(text):
                    return self._ob2(text, now, recipient)
                if _jwt_is_presentation(text):
                    return verify_presentation(
                        text, self._context(now), challenge=challenge, domain=domain
                    )
                return verify_credential(text, self._context(now, nested=True))
            value = parse_json(text)
            if isinstance(value, str):
                return self._dispatch(value, now, challenge, domain, recipient, depth + 1)
            if not isinstance(value, dict):
                raise InputError(
                    "the input must be a JSON object, a JWT, an SD-JWT, an image or a URL",
                    ProblemCode.FORMAT_UNKNOWN,
                )
            document = value
        if not isinstance(document, dict):
            raise InputError("the input is not a credential", ProblemCode.FORMAT_UNKNOWN)
        return self._object(document, now, challenge, domain, recipient, depth)

    def _object(
        self,
        doc: JsonObject,
        now: datetime,
        challenge: str | None,
        domain: str | None,
        recipient: str | None,
        depth: int,
    ) -> VerificationReport:
        wrapped = {k for k in doc if k not in ("options",)}
        if wrapped in ({"verifiableCredential"}, {"verifiablePresentation"}):
            inner = doc.get("verifiableCredential", doc.get("verifiablePresentation"))
            if isinstance(inner, dict | str):
                return self._dispatch(inner, now, challenge, domain, recipient, depth + 1)
        if ob2.looks_like_ob2(doc):
            return self._ob2(doc, now, recipient)
        types = _types(doc)
        if types & {"VerifiablePresentation", "EnvelopedVerifiablePresentation"}:
            return verify_presentation(
                doc, self._context(now, nested=True), challenge=challenge, domain=domain
            )
        if not types and "@context" not in doc:
            raise InputError(
                "this JSON object is not a credential: it has neither @context nor type",
                ProblemCode.FORMAT_UNKNOWN,
            )
        return verify_credential(doc, self._context(now, nested=True))

    def _url(
        self,
        url: str,
        now: datetime,
        challenge: str | None,
        domain: str | None,
        recipient: str | None,
        depth: int,
    ) -> VerificationReport:
        if self._fetcher is None:
            raise InputError(
                f"{url} cannot be fetched: this verifier works offline (allow the network)",
                ProblemCode.FETCH_REFUSED,
            )
        try:
            fetched = self._fetcher.get_bytes(
                url, accept="application/ld+json, application/json, image/png, image/svg+xml, */*"
            )
        except LerkitError as exc:
            raise InputError(f"{url} could not be fetched: {exc}", exc.code) from exc
        body = fetched.body
        if baking.sniff_media(body) is None:
            try:
                value = parse_json(body)
            except InputError:
                value = None
            if ob2.looks_like_ob2(value):
                return self._ob2(url, now, recipient)
        return self._dispatch(body, now, challenge, domain, recipient, depth + 1)

    def _ob2(
        self, value: JsonObject | str, now: datetime, recipient: str | None
    ) -> VerificationReport:
        fetcher = self._fetcher

        def fetch(url: str) -> Any:
            if fetcher is None:
                raise ResolutionError(
                    f"{url} is not available offline (allow the network)",
                    ProblemCode.FETCH_REFUSED,
                )
            return fetcher.get_json(url, accept="application/ld+json, application/json")

        return ob2.verify_ob2(value, fetch=fetch, now=now, recipient=recipient)


def _jwt_is_presentation(token: str) -> bool:
    from lerkit.core.jose import decode_unverified

    try:
        header, payload = decode_unverified(token)
    except LerkitError:
        return False
    typ = str(header.get("typ", "")).lower()
    if "vp" in typ.split("+")[0:1] or typ.startswith("vp"):
        return True
    types = payload.get("type") if isinstance(payload.get("type"), list | str) else None
    if isinstance(payload.get("vp"), dict):
        return True
    if isinstance(types, str):
        types = [types]
    return bool(types) and "VerifiablePresentation" in (types or [])


__all__ = ["DocumentFetcher", "StatusLists", "TrustEvaluator", "Verifier"]
