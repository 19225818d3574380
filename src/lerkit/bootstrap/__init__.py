"""The composition root: the one place that picks concrete adapters and wires services."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from lerkit.adapters.did_web import WebDidResolver
from lerkit.adapters.fetch import BoundedFetcher
from lerkit.adapters.keystore import EnvelopeKeyStore
from lerkit.adapters.mail import SmtpMailer
from lerkit.config import Settings, SettingsError
from lerkit.core.dids.resolver import MethodResolver
from lerkit.core.errors import ProblemCode, ResolutionError
from lerkit.core.keys import PrivateKey
from lerkit.core.types import JsonObject
from lerkit.db.errors import DatabaseError
from lerkit.db.models import IssuedCredential, Organization
from lerkit.db.session import Database
from lerkit.services.access import ApiKeys
from lerkit.services.achievements import AchievementService
from lerkit.services.audit import AuditLog
from lerkit.services.bulk import BulkService, IssueRow, RevokeCredential, RowIssue
from lerkit.services.claims import ClaimService, Mailer
from lerkit.services.context import Actor, Clock
from lerkit.services.errors import NotFoundError
from lerkit.services.exchanges import ExchangeService
from lerkit.services.identity import Identity
from lerkit.services.issuance import IssuanceService
from lerkit.services.jobs import (
    InMemoryLeases,
    InProcessQueue,
    JobQueue,
    Leases,
    TaskRegistry,
)
from lerkit.services.oid4vci import Oid4vciService
from lerkit.services.organizations import Organizations
from lerkit.services.status_lists import StatusListService
from lerkit.services.verification import StatusLists, Verifier
from lerkit.services.wallet.accounts import HolderAccounts
from lerkit.services.wallet.base import WalletBase
from lerkit.services.wallet.consent import ConsentLedger
from lerkit.web import Templates

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


def build_fetcher(settings: Settings) -> BoundedFetcher:
    return BoundedFetcher(
        timeout=settings.fetch_timeout,
        max_bytes=settings.fetch_max_bytes,
        allow_private=settings.allow_private_fetch,
        allow_http=settings.allow_http_fetch,
    )


def build_verifier(
    settings: Settings,
    *,
    resources: Mapping[str, JsonObject] | None = None,
    allow_network: bool = False,
    check_schema: bool = True,
) -> Verifier:
    """A verifier that uses ``resources`` (URL or DID -> document) offline, and fetches
    what is missing only when ``allow_network`` is set."""
    documents = dict(resources or {})
    fetcher = build_fetcher(settings) if allow_network else None
    resolver = MethodResolver(
        web=WebDidResolver(fetcher) if fetcher is not None else None, documents=documents
    )
    return Verifier(resolver, StatusLists(documents, fetcher), utc_now, check_schema)


def build_resolver(
    settings: Settings,
    *,
    resources: Mapping[str, JsonObject] | None = None,
    allow_network: bool = False,
) -> MethodResolver:
    fetcher = build_fetcher(settings) if allow_network else None
    return MethodResolver(
        web=WebDidResolver(fetcher) if fetcher is not None else None,
        documents=dict(resources or {}),
    )


# ----------------------------------------------------------------------------- the server


class InstanceFirstFetcher(BoundedFetcher):
    """A bounded fetcher that answers URLs under ``public_url`` from this instance's own
    database (DID documents, status lists) instead of fetching them over HTTP; anything
    else goes out through ``outbound`` (or fails as "could not check" when it is None)."""

    def __init__(
        self, settings: Settings, services: Services, outbound: BoundedFetcher | None
    ) -> None:
        super().__init__(
            timeout=settings.fetch_timeout,
            max_bytes=settings.fetch_max_bytes,
            allow_private=settings.allow_private_fetch,
            allow_http=settings.allow_http_fetch,
        )
        self._base = _without_scheme(settings.public_url)
        self._services = services
        self._outbound = outbound

    def get_json(self, url: str, accept: str = "application/json") -> Any:
        if self.is_local(url):
            return self.local_document(url)
        if self._outbound is None:
            raise ResolutionError(f"{url} is not available offline", ProblemCode.FETCH_REFUSED)
        return self._outbound.get_json(url, accept=accept)

    def is_local(self, url: str) -> bool:
        return _without_scheme(url).startswith(self._base + "/")

    def local_document(self, url: str) -> JsonObject:
        """The document this instance serves at ``url`` (a URL under ``public_url``)."""
        path = _without_scheme(url)[len(self._base) :].split("?", 1)[0].split("#", 1)[0]
        parts = path.strip("/").split("/")
        try:
            if path == "/.well-known/did.json":
                return self._services.identity.instance_did_document()
            if len(parts) == 2 and parts[0] == "status":
                return self._services.status_lists.credential(parts[1]).document
            if len(parts) == 3 and parts[0] == "orgs" and parts[2] == "did.json":
                with self._services.database.session() as session:
                    return self._services.identity.did_document_by_slug(session, parts[1])
        except NotFoundError as exc:
            raise ResolutionError(f"GET {url} returned HTTP 404", ProblemCode.FETCH_FAILED) from exc
        raise ResolutionError(f"GET {url} returned HTTP 404", ProblemCode.FETCH_FAILED)


class IdentitySigner:
    """The identity service as the status lists' (and issuance's) ``Signer``."""

    def __init__(self, identity: Identity) -> None:
        self._identity = identity

    def signer_for(
        self, session: Session, organization: Organization
    ) -> tuple[PrivateKey, str, int | None]:
        key, verification_method, row = self._identity.active_signer(session, organization)
        return key, verification_method, row.id


def _without_scheme(url: str) -> str:
    return url.split("://", 1)[-1].rstrip("/")


@dataclass
class Services:
    """The services the HTTP API uses, wired once over one database. Each call that
    touches data runs in a unit of work the edge opens: ``with services.database.session()``.
    """

    settings: Settings
    database: Database
    clock: Clock
    audit: AuditLog
    api_keys: ApiKeys
    identity: Identity
    organizations: Organizations
    status_lists: StatusListService
    achievements: AchievementService
    issuance: IssuanceService
    bulk: BulkService | None = None  # None when no bulk issuer is wired
    queue: JobQueue | None = None  # InProcessQueue, or RedisQueue with LERKIT_REDIS_URL
    oid4vci: Oid4vciService | None = None  # OpenID4VCI issuer (offers, token, credential)
    claims: ClaimService | None = None  # claim links emailed to recipients
    exchanges: ExchangeService | None = None  # VC-API exchanges (DIDAuth, then issue)
    wallet_base: WalletBase | None = None  # holder accounts + consent ledger (wallet areas)
    # Wired by the area modules of this package (lerkit.bootstrap.<area>.wire); typed there.
    wallet: Any = None  # holders' wallets (lerkit.bootstrap.wallet)
    sharing: Any = None  # share links, consent ledger, résumés, OB 3.0 host API
    oid4vp: Any = None  # OpenID4VP verifier and wallet answers
    trust: Any = None  # trust registries and the verification service
    skills: Any = None  # skill frameworks, extraction, crosswalks
    market: Any = None  # job postings, candidate profiles, matching, guidance

    def verifier(self, *, allow_network: bool = True) -> Verifier:
        """A verifier for one request (it keeps the lists it fetched): this instance's DID
        documents and status lists come from the database, others through the bounded
        fetcher when ``allow_network``."""
        outbound = build_fetcher(self.settings) if allow_network else None
        fetcher = InstanceFirstFetcher(self.settings, self, outbound)
        resolver = MethodResolver(web=WebDidResolver(fetcher), documents={})
        return Verifier(resolver, StatusLists({}, fetcher), self.clock, True)

    def close(self) -> None:
        close = getattr(self.queue, "close", None)
        if callable(close):
            close()
        self.database.dispose()


@dataclass(frozen=True)
class _Issuing:
    identity: Identity
    status_lists: StatusListService
    achievements: AchievementService
    issuance: IssuanceService


def _issuing(settings: Settings, db: Database, clock: Clock, audit: AuditLog) -> _Issuing:
    entropy = os.urandom
    keystore = EnvelopeKeyStore.from_settings(settings)
    identity = Identity(keystore, audit, clock, entropy, settings.public_url)
    signer = IdentitySigner(identity)
    status_lists = StatusListService(
        db, public_url=settings.public_url, clock=clock, entropy=entropy, signer=signer
    )
    achievements = AchievementService(
        db, public_url=settings.public_url, clock=clock, entropy=entropy
    )
    issuance = IssuanceService(
        db,
        clock=clock,
        entropy=entropy,
        signer=signer,
        audit=audit,
        achievements=achievements,
        status_lists=status_lists,
    )
    return _Issuing(identity, status_lists, achievements, issuance)


def bulk_glue(issuance: IssuanceService) -> tuple[IssueRow, RevokeCredential]:
    """``(issue_row, revoke)`` for ``BulkService`` over ``issuance``: each row is issued in
    the runner's session, so the credential and the row's outcome commit together."""

    def issue_row(session: Session, row: RowIssue) -> int:
        issued = issuance.issue_in(
            session,
            row.actor,
            row.achievement_public_id,
            row.recipient,
            recipient_type=row.recipient_type,
            hashed=row.hashed,
            recipient_name=row.recipient_name,
            result_value=row.result,
            evidence=[{"id": row.evidence_url}] if row.evidence_url else None,
            format=row.format,
            idempotency_key=row.idempotency_key,
        )
        return issued.id

    def revoke(session: Session, actor: Actor, credential_pk: int, reason: str) -> None:
        credential = session.get(IssuedCredential, credential_pk)
        if credential is None or credential.organization_id != actor.organization_id:
            raise NotFoundError("the credential to replace no longer exists")
        issuance.revoke_in(session, actor, [credential.credential_id], reason)

    return issue_row, revoke


def build_bulk_issuer(settings: Settings, db: Database) -> tuple[IssueRow, RevokeCredential]:
    """The real issuer for bulk jobs (``lerkit worker`` and ``build_services`` use it)."""
    clock = utc_now
    return bulk_glue(_issuing(settings, db, clock, AuditLog(clock)).issuance)


def _job_backend(settings: Settings, registry: TaskRegistry) -> tuple[JobQueue, Leases, bool]:
    """(queue, leases, in process?): Redis when ``LERKIT_REDIS_URL`` is set."""
    if settings.redis_url:
        from redis import Redis

        from lerkit.adapters.redis_queue import RedisLeases, RedisQueue

        connection = Redis.from_url(settings.redis_url)
        return RedisQueue(connection, registry), RedisLeases(connection), False
    return InProcessQueue(registry), InMemoryLeases(), True


def build_redis_backend(
    settings: Settings, registry: TaskRegistry, queue_name: str
) -> tuple[Any, Leases]:
    """``(RedisQueue, RedisLeases)`` on ``LERKIT_REDIS_URL`` for ``lerkit worker`` (the
    worker names no adapter itself: this is the one place that picks them)."""
    from redis import Redis

    from lerkit.adapters.redis_queue import RedisLeases, RedisQueue

    if not settings.redis_url:
        raise SettingsError("LERKIT_REDIS_URL is not set")
    connection = Redis.from_url(settings.redis_url)
    return (
        RedisQueue(connection, registry, name=queue_name),
        RedisLeases(connection, namespace=queue_name),
    )


def build_mailer(settings: Settings) -> Mailer | None:
    """SMTP when ``LERKIT_SMTP_HOST`` is set; else None (deliveries are recorded as failed)."""
    if not settings.smtp_host:
        return None
    return SmtpMailer(
        settings.smtp_host,
        settings.smtp_port,
        sender=settings.smtp_from,
        user=settings.smtp_user,
        password=settings.smtp_password,
        starttls=settings.smtp_starttls,
    )


from lerkit.bootstrap import market, oid4vp, sharing, skills, trust, wallet  # noqa: E402

AREAS = (trust, skills, wallet, sharing, oid4vp, market)  # wired in this order


def build_services(settings: Settings, database: Database | None = None) -> Services:
    """Wire the issuing service over ``database`` (default: the one ``settings`` names).

    Bulk jobs run in this process (``InProcessQueue``; unfinished jobs of an earlier run
    are resumed once, here); with ``LERKIT_REDIS_URL`` they go to a Redis queue and run in
    ``lerkit worker`` processes instead (which resume them).
    """
    db = database or Database(settings.effective_database_url)
    clock = utc_now
    entropy = os.urandom
    audit = AuditLog(clock)
    issuing = _issuing(settings, db, clock, audit)
    services = Services(
        settings=settings,
        database=db,
        clock=clock,
        audit=audit,
        api_keys=ApiKeys(audit, clock, entropy),
        identity=issuing.identity,
        organizations=Organizations(issuing.identity, audit, clock),
        status_lists=issuing.status_lists,
        achievements=issuing.achievements,
        issuance=issuing.issuance,
    )
    services.oid4vci = Oid4vciService(
        db,
        issuance=issuing.issuance,
        achievements=issuing.achievements,
        audit=audit,
        clock=clock,
        entropy=entropy,
        public_url=settings.public_url,
    )
    services.exchanges = ExchangeService(
        db,
        issuance=issuing.issuance,
        achievements=issuing.achievements,
        verifier=build_verifier(settings),  # holders are did:key / did:jwk: offline
        audit=audit,
        clock=clock,
        entropy=entropy,
        public_url=settings.public_url,
    )
    services.claims = ClaimService(
        db,
        oid4vci=services.oid4vci,
        mailer=build_mailer(settings),
        templates=Templates(),
        audit=audit,
        clock=clock,
        entropy=entropy,
        public_url=settings.public_url,
        lcw_link=services.exchanges.lcw_request_for_offer,
    )
    issue_row, revoke = bulk_glue(issuing.issuance)
    registry = TaskRegistry()
    queue, leases, in_process = _job_backend(settings, registry)
    services.queue = queue
    services.bulk = BulkService(
        db=db,
        queue=queue,
        leases=leases,
        issue_row=issue_row,
        revoke=revoke,
        clock=clock,
        entropy=entropy,
    )
    services.bulk.register_tasks(registry)
    services.wallet_base = WalletBase(
        HolderAccounts(EnvelopeKeyStore.from_settings(settings), clock, entropy),
        ConsentLedger(clock, entropy),
    )
    for area in AREAS:
        area.wire(services)
    if in_process:
        try:
            services.bulk.resume_stale_jobs()
        except DatabaseError as exc:  # not migrated yet, or down: serve anyway, say why
            log.warning("could not look for unfinished bulk jobs: %s", exc.message)
    return services


def rotate_master_key(settings: Settings) -> tuple[str, int]:
    """Re-wrap every signing key's data key under the current master key (configure the
    new key as LERKIT_SECRET_KEY and the old one in LERKIT_OLD_SECRET_KEYS first).
    Returns the current master key id and how many keys were re-wrapped."""
    keystore = EnvelopeKeyStore.from_settings(settings)
    database = Database(settings.effective_database_url)
    try:
        with database.session() as session:
            count = keystore.rotate_master_key(session)
    finally:
        database.dispose()
    return keystore.master_key_id, count
