# ruff: noqa: E501  (translated sentences read better unbroken)
"""Server-rendered pages and emails (Jinja2 templates in ``templates/``, autoescaped).

Every template gets ``t``: the strings of the recipient's language (``STRINGS``, English
and French), and ``lang`` for ``<html lang>``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "subject": "{organization} has awarded you “{achievement}”",
        "greeting": "Hello,",
        "awarded": "{organization} has awarded you the badge “{achievement}”.",
        "open": "Open this link to take your credential:",
        "expires": "This link is personal and works until {date}.",
        "ignore": "If you were not expecting this email, you can ignore it.",
        "title": "Your badge: {achievement}",
        "issued_by": "Issued by {organization}",
        "ways_in": "Ways to take your credential",
        "wallet": "Add to a lerkit wallet",
        "wallet_soon": "The lerkit wallet is not available yet; this link will work once it is.",
        "oid4vci": "Scan with an OpenID4VCI wallet",
        "qr_alt": "QR code of the credential offer for {achievement}",
        "oid4vci_link": "Open the offer in a wallet on this device",
        "offer_gone": "The wallet offer has expired or was already used: ask {who} to resend this link.",
        "lcw": "Learner Credential Wallet",
        "lcw_open": "Open in the Learner Credential Wallet on this device",
        "lcw_help": "Download the JSON file below, then import it in the Learner Credential Wallet (Add credential, From file).",
        "download": "Download",
        "json": "Download the credential (JSON)",
        "png": "Download the badge image with the credential inside (PNG)",
        "wallet_only": "This credential is issued to your wallet when you accept the offer.",
        "link_expires": "This page works until {date}.",
        "gone_title_expired": "This link has expired",
        "gone_title_revoked": "This link has been withdrawn",
        "gone_expired": "The link to claim “{achievement}” from {organization} has expired.",
        "gone_revoked": "{organization} has withdrawn the link to claim “{achievement}”.",
        "ask": "To get a new link, contact {who}.",
        "not_found_title": "Unknown link",
        "not_found": "This claim link does not exist. Check that you copied the whole link from your email, or ask the organization that sent it.",
    },
    "fr": {
        "subject": "{organization} vous a décerné « {achievement} »",
        "greeting": "Bonjour,",
        "awarded": "{organization} vous a décerné le badge « {achievement} ».",
        "open": "Ouvrez ce lien pour recevoir votre attestation :",
        "expires": "Ce lien est personnel et fonctionne jusqu’au {date}.",
        "ignore": "Si vous n’attendiez pas ce courriel, vous pouvez l’ignorer.",
        "title": "Votre badge : {achievement}",
        "issued_by": "Délivré par {organization}",
        "ways_in": "Comment recevoir votre attestation",
        "wallet": "Ajouter à un portefeuille lerkit",
        "wallet_soon": "Le portefeuille lerkit n’est pas encore disponible ; ce lien fonctionnera dès qu’il le sera.",
        "oid4vci": "Scanner avec un portefeuille OpenID4VCI",
        "qr_alt": "Code QR de l’offre d’attestation pour {achievement}",
        "oid4vci_link": "Ouvrir l’offre dans un portefeuille sur cet appareil",
        "offer_gone": "L’offre pour portefeuille a expiré ou a déjà été utilisée : demandez à {who} de renvoyer ce lien.",
        "lcw": "Learner Credential Wallet",
        "lcw_open": "Ouvrir dans Learner Credential Wallet sur cet appareil",
        "lcw_help": "Téléchargez le fichier JSON ci-dessous, puis importez-le dans Learner Credential Wallet (Ajouter une attestation, Depuis un fichier).",
        "download": "Télécharger",
        "json": "Télécharger l’attestation (JSON)",
        "png": "Télécharger l’image du badge contenant l’attestation (PNG)",
        "wallet_only": "Cette attestation est délivrée à votre portefeuille quand vous acceptez l’offre.",
        "link_expires": "Cette page fonctionne jusqu’au {date}.",
        "gone_title_expired": "Ce lien a expiré",
        "gone_title_revoked": "Ce lien a été retiré",
        "gone_expired": "Le lien pour recevoir « {achievement} » de {organization} a expiré.",
        "gone_revoked": "{organization} a retiré le lien pour recevoir « {achievement} ».",
        "ask": "Pour obtenir un nouveau lien, contactez {who}.",
        "not_found_title": "Lien inconnu",
        "not_found": "Ce lien n’existe pas. Vérifiez que vous avez copié le lien entier depuis votre courriel, ou demandez à l’organisation qui l’a envoyé.",
    },
}


class Templates:
    """Renders the claim pages and the claim email (``EmailTemplates`` of the services)."""

    def __init__(self) -> None:
        self._env = Environment(
            loader=PackageLoader("lerkit.web", "templates"),
            autoescape=select_autoescape(["html"]),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def render(self, name: str, lang: str, context: Mapping[str, Any]) -> str:
        lang = lang if lang in STRINGS else "en"
        return self._env.get_template(name).render(t=STRINGS[lang], lang=lang, **context)

    def claim_email(self, lang: str, context: Mapping[str, Any]) -> tuple[str, str, str]:
        lang = lang if lang in STRINGS else "en"
        subject = STRINGS[lang]["subject"].format(
            organization=context["organization"], achievement=context["achievement_name"]
        )
        full = {**context, "date": context["expires_at"].date().isoformat()}
        return (
            subject,
            self.render("claim_email.txt", lang, full),
            self.render("claim_email.html", lang, full),
        )
