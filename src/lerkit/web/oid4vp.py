# ruff: noqa: E501  (translated sentences read better unbroken)
"""The wallet's OpenID4VP consent page (English and French). Presentation only."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Share credentials with {verifier}?",
        "asks": "{verifier} asks to see information from your wallet.",
        "verified_did": "Its identity is confirmed by a signature of {did}.",
        "unverified": "This request is not signed: lerkit cannot confirm who sent it. Its answers go to {uri}.",
        "client_id": "Verifier identifier",
        "purpose": "Why they ask",
        "no_purpose": "They gave no reason.",
        "what": "What will be shared",
        "query": "Requested: {query}",
        "choose": "Credential to share",
        "claims": "These details are disclosed:",
        "whole": "This credential cannot disclose fields selectively: the whole credential will be shared, including every detail in it.",
        "always": "Always shown with it: {claims}",
        "nothing": "No detail beyond the credential's type and issuer.",
        "issuer": "issued by {issuer}",
        "no_match": "Your wallet has no credential that answers this request, so it cannot be answered. You can still decline.",
        "share": "Share",
        "decline": "Decline",
        "done_shared": "Shared with {verifier}.",
        "done_failed": "The credentials were sent to {verifier}, which did not accept them ({detail}).",
        "done_declined": "You declined. {verifier} was told; nothing was shared.",
        "recorded": "This is recorded in your consent ledger.",
        "already": "This request was already answered ({status}).",
        "invalid_title": "Invalid link",
        "invalid": "This consent link is not valid. Open the request again from your wallet.",
        "error_title": "The request could not be answered",
        "sign_in_title": "Sign in to your wallet",
        "sign_in": "Sign in to your wallet first, or open the consent link your wallet gave you.",
        "sign_in_link": "Sign in",
        "open_title": "Answer a presentation request",
        "open_help": "Paste the openid4vp:// link from the verifier's QR code or web page. Nothing is shared before you see exactly what would be and agree.",
        "open_label": "Request link",
        "open_button": "Open the request",
        "request_title": "{verifier} asks for a credential",
        "request_scan": "Scan this code with your wallet app to answer. You will see exactly what would be shared before anything is.",
        "request_qr_alt": "QR code of the presentation request of {verifier}",
        "request_link": "Open the request in a wallet on this device",
        "request_until": "This request is open until {until}.",
    },
    "fr": {
        "title": "Partager des attestations avec {verifier} ?",
        "asks": "{verifier} demande à voir des informations de votre portefeuille.",
        "verified_did": "Son identité est confirmée par une signature de {did}.",
        "unverified": "Cette demande n’est pas signée : lerkit ne peut pas confirmer qui l’a envoyée. Les réponses vont à {uri}.",
        "client_id": "Identifiant du vérificateur",
        "purpose": "Pourquoi cette demande",
        "no_purpose": "Aucune raison n’est donnée.",
        "what": "Ce qui sera partagé",
        "query": "Demandé : {query}",
        "choose": "Attestation à partager",
        "claims": "Ces informations sont divulguées :",
        "whole": "Cette attestation ne permet pas de divulguer des champs séparément : elle sera partagée en entier, avec tout son contenu.",
        "always": "Toujours montré avec elle : {claims}",
        "nothing": "Aucune information au-delà du type de l’attestation et de son émetteur.",
        "issuer": "délivrée par {issuer}",
        "no_match": "Votre portefeuille ne contient aucune attestation qui réponde à cette demande ; vous pouvez la refuser.",
        "share": "Partager",
        "decline": "Refuser",
        "done_shared": "Partagé avec {verifier}.",
        "done_failed": "Les attestations ont été envoyées à {verifier}, qui ne les a pas acceptées ({detail}).",
        "done_declined": "Vous avez refusé. {verifier} en a été informé ; rien n’a été partagé.",
        "recorded": "Ceci est inscrit dans votre registre des consentements.",
        "already": "Cette demande a déjà reçu une réponse ({status}).",
        "invalid_title": "Lien non valide",
        "invalid": "Ce lien de consentement n’est pas valide. Ouvrez à nouveau la demande depuis votre portefeuille.",
        "error_title": "La demande n’a pas pu recevoir de réponse",
        "sign_in_title": "Connectez-vous à votre portefeuille",
        "sign_in": "Connectez-vous d’abord à votre portefeuille, ou ouvrez le lien de consentement qu’il vous a donné.",
        "sign_in_link": "Se connecter",
        "open_title": "Répondre à une demande de présentation",
        "open_help": "Collez le lien openid4vp:// du code QR ou de la page du vérificateur. Rien n’est partagé avant que vous ayez vu exactement ce qui le serait et donné votre accord.",
        "open_label": "Lien de la demande",
        "open_button": "Ouvrir la demande",
        "request_title": "{verifier} demande une attestation",
        "request_scan": "Scannez ce code avec votre application de portefeuille pour répondre. Vous verrez exactement ce qui serait partagé avant que quoi que ce soit le soit.",
        "request_qr_alt": "Code QR de la demande de présentation de {verifier}",
        "request_link": "Ouvrir la demande dans un portefeuille sur cet appareil",
        "request_until": "Cette demande est ouverte jusqu’au {until}.",
    },
}


class ConsentPages:
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
        return self._env.get_template(f"oid4vp/{name}").render(
            t=STRINGS[lang], lang=lang, **context
        )


def pick_language(explicit: str | None, preferred: str | None, accept: str | None) -> str:
    for candidate in (explicit, preferred):
        if candidate in STRINGS:
            return candidate
    for part in (accept or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in STRINGS:
            return code
    return "en"
