"""``lerkit admin ...``: operator commands that work straight on the database.

``lerkit admin bootstrap --org NAME`` is the first set-up of an instance: it migrates the
database to head, creates the organization with its issuer identity (did:web served by
lerkit, or did:key) and first signing key (sealed under the master key), an owner member,
and the organization's first API key (owner role), which it prints once.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

import typer
from rich.console import Console

from lerkit.config import Settings, SettingsError
from lerkit.core.errors import InputError

admin_app = typer.Typer(
    help="Operator commands, straight on the database (first set-up).", no_args_is_help=True
)

_out = Console(highlight=False, emoji=False, soft_wrap=True)
_err = Console(stderr=True, highlight=False, emoji=False, soft_wrap=True)


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as exc:
        raise InputError(str(exc)) from exc


def _web_possible(public_url: str) -> bool:
    """Whether the public URL's host can carry a did:web (a domain name, not an IP)."""
    from lerkit.services.errors import ValidationError
    from lerkit.services.identity import instance_did

    try:
        instance_did(public_url)
    except ValidationError:
        return False
    return True


@admin_app.command("bootstrap")
def bootstrap(
    org: Annotated[str, typer.Option("--org", help="the organization's name")],
    slug: Annotated[str | None, typer.Option(help="its URL name (default: from the name)")] = None,
    did_method: Annotated[
        str | None,
        typer.Option(
            "--did-method",
            help="web (served by lerkit under LERKIT_PUBLIC_URL) or key "
            "(default: web when the public URL has a domain name, else key)",
        ),
    ] = None,
    owner_email: Annotated[
        str | None,
        typer.Option("--owner-email", help="the owner member's email (default: a placeholder)"),
    ] = None,
) -> None:
    """Create an organization, its DID, first key and owner; print its first API key."""
    from lerkit.bootstrap import build_services
    from lerkit.db.migrate import upgrade
    from lerkit.db.session import Database
    from lerkit.services.context import Actor
    from lerkit.services.organizations import Organizations, check_slug, slugify

    settings = _settings()
    if did_method not in (None, "web", "key"):
        raise InputError(f"--did-method must be web or key, got {did_method!r}")
    if did_method is None:
        did_method = "web" if _web_possible(settings.public_url) else "key"
        if did_method == "key":
            host = urlsplit(settings.public_url).hostname
            _err.print(
                f"note: LERKIT_PUBLIC_URL's host {host} cannot carry a did:web (an IP address); "
                "using did:key. Set LERKIT_PUBLIC_URL to a domain name for a did:web."
            )
    slug = check_slug(slug if slug is not None else slugify(org))
    owner = owner_email or f"owner@{slug}.invalid"

    url = settings.effective_database_url
    upgrade(url)
    services = build_services(settings, Database(url))
    try:
        organizations = services.organizations or Organizations(
            services.identity, services.audit, services.clock
        )
        with services.database.session() as session:
            created = organizations.create(
                session,
                name=org,
                slug=slug,
                did_method=did_method,
                owner_email=owner,
                created_by="cli:bootstrap",
            )
            actor = Actor(organization_id=created.id, role="owner", label="cli:bootstrap")
            key = services.api_keys.create_initial(
                session, actor, name="bootstrap (owner)", member_email=owner
            )
            did = created.did
            org_slug = created.slug
    finally:
        services.close()

    _out.print(f"organization: {org} ({org_slug})")
    _out.print(f"DID:          {did}")
    if did_method == "web":
        _out.print(f"DID document: {settings.public_url}/orgs/{org_slug}/did.json")
    _out.print(f"owner:        {owner}")
    _out.print(f"API key:      {key.token}")
    _err.print(
        "This API key is shown once and cannot be shown again: store it now. "
        "Send it as `Authorization: Bearer <key>`."
    )
    if owner_email is None:
        _err.print(f"note: the owner member is a placeholder ({owner}); pass --owner-email.")


__all__ = ["admin_app"]


@admin_app.command("rotate-master-key")
def rotate_master_key() -> None:
    """Re-wrap every signing key under the current master key.

    Set the new key as LERKIT_SECRET_KEY (or LERKIT_SECRET_KEY_FILE) and list the old one in
    LERKIT_OLD_SECRET_KEYS, run this, then drop the old key from LERKIT_OLD_SECRET_KEYS.
    Private keys themselves are never decrypted or shown.
    """
    from lerkit.bootstrap import rotate_master_key as rotate

    key_id, count = rotate(_settings())
    _out.print(f"re-wrapped {count} signing key(s) under master key {key_id}")
