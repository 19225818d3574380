# ruff: noqa: E501  (translated sentences read better unbroken; French typography)
"""Plain-words explanations of verification results, in English and French.

A :class:`~lerkit.core.report.CheckResult` keeps a technical ``message`` (which key, which
list, which index); these sentences say what the result *means* for the person who
received the credential, without jargon. They depend only on the check, its status and its
stable problem code, so they are the same everywhere (API, CLI, the public /verify page).

Adding a language: add it to :data:`LANGUAGES` and give every table an entry for it;
``tests/unit/test_verify_messages.py`` checks that none is missing.
"""

from __future__ import annotations

LANGUAGES = ("en", "fr")

# (check, status) -> sentence, for results without a more specific code
_BY_CHECK: dict[tuple[str, str], dict[str, str]] = {
    ("syntax", "pass"): {
        "en": "The document is a well-formed credential.",
        "fr": "Le document est une attestation bien formée.",
    },
    ("contexts", "pass"): {
        "en": "Every term in it has a known, published meaning.",
        "fr": "Chaque terme qu’il emploie a une signification connue et publiée.",
    },
    ("schema", "pass"): {
        "en": "It follows the published Open Badges / CLR format.",
        "fr": "Il respecte le format publié Open Badges / CLR.",
    },
    ("proof", "pass"): {
        "en": "The signature is genuine: nothing has been changed since it was signed.",
        "fr": "La signature est authentique : rien n’a été modifié depuis la signature.",
    },
    ("issuer", "pass"): {
        "en": "It was signed by the issuer it names, with that issuer’s own key.",
        "fr": "Elle a été signée par l’émetteur qu’elle nomme, avec la clé de cet émetteur.",
    },
    ("holder", "pass"): {
        "en": "The person presenting it proved they hold it.",
        "fr": "La personne qui la présente a prouvé qu’elle en est détentrice.",
    },
    ("validity", "pass"): {
        "en": "It is within its validity period.",
        "fr": "Elle est dans sa période de validité.",
    },
    ("status", "pass"): {
        "en": "The issuer has not revoked or suspended it.",
        "fr": "L’émetteur ne l’a ni révoquée ni suspendue.",
    },
    ("credentials", "pass"): {
        "en": "Every credential inside is valid.",
        "fr": "Toutes les attestations qu’il contient sont valides.",
    },
    ("trust", "pass"): {
        "en": "The issuer is recognised by the trust registry for this kind of credential.",
        "fr": "L’émetteur est reconnu par le registre de confiance pour ce type d’attestation.",
    },
    ("status", "not_run"): {
        "en": "The issuer gave no way to check whether it was revoked.",
        "fr": "L’émetteur n’a prévu aucun moyen de vérifier une révocation.",
    },
    ("schema", "not_run"): {
        "en": "No published format description applies to this kind of credential.",
        "fr": "Aucune description de format publiée ne s’applique à ce type d’attestation.",
    },
}

_BY_STATUS: dict[str, dict[str, str]] = {
    "pass": {"en": "This check passed.", "fr": "Cette vérification a réussi."},
    "warning": {
        "en": "This check passed with a reservation.",
        "fr": "Cette vérification a réussi, avec une réserve.",
    },
    "fail": {
        "en": "This check failed: do not rely on this credential.",
        "fr": "Cette vérification a échoué : ne vous fiez pas à cette attestation.",
    },
    "could_not_check": {
        "en": "This could not be checked right now: something needed was not available.",
        "fr": "Impossible de vérifier ceci pour l’instant : un élément nécessaire n’était pas disponible.",
    },
    "not_run": {
        "en": "Not checked (it did not apply, or an earlier check failed).",
        "fr": "Non vérifié (sans objet, ou une vérification précédente a échoué).",
    },
}

_BY_CODE: dict[str, dict[str, str]] = {
    "input.malformed": {
        "en": "This is not a readable credential.",
        "fr": "Ceci n’est pas une attestation lisible.",
    },
    "context.unknown": {
        "en": "It uses vocabulary lerkit does not know, so its meaning cannot be established.",
        "fr": "Elle emploie un vocabulaire que lerkit ne connaît pas : son sens ne peut être établi.",
    },
    "context.invalid": {
        "en": "Its vocabulary declarations are broken.",
        "fr": "Ses déclarations de vocabulaire sont défectueuses.",
    },
    "jsonld.undefined_term": {
        "en": "It contains a field with no defined meaning, which the signature would not cover.",
        "fr": "Elle contient un champ sans signification définie, que la signature ne couvrirait pas.",
    },
    "jsonld.relative_iri": {
        "en": "An identifier in it is incomplete.",
        "fr": "Un identifiant qu’elle contient est incomplet.",
    },
    "jsonld.invalid": {
        "en": "Its structured data cannot be processed.",
        "fr": "Ses données structurées ne peuvent pas être traitées.",
    },
    "credential.malformed": {
        "en": "It does not follow the rules of a verifiable credential.",
        "fr": "Elle ne respecte pas les règles d’une attestation vérifiable.",
    },
    "presentation.malformed": {
        "en": "The presentation does not follow the rules of a verifiable presentation.",
        "fr": "La présentation ne respecte pas les règles d’une présentation vérifiable.",
    },
    "schema.invalid": {
        "en": "It does not follow the published Open Badges / CLR format.",
        "fr": "Elle ne respecte pas le format publié Open Badges / CLR.",
    },
    "schema.unknown": {
        "en": "Its format could not be compared with a published description (an older version?).",
        "fr": "Son format n’a pas pu être comparé à une description publiée (ancienne version ?).",
    },
    "schema.status_array": {
        "en": "It follows the Open Badges format, except that it lists several status entries; some strict tools may refuse it.",
        "fr": "Elle respecte le format Open Badges, sauf qu’elle liste plusieurs états ; certains outils stricts pourraient la refuser.",
    },
    "key.malformed": {
        "en": "The key named in the signature is unusable.",
        "fr": "La clé nommée dans la signature est inutilisable.",
    },
    "key.unsupported": {
        "en": "The kind of key used is not supported.",
        "fr": "Le type de clé utilisé n’est pas pris en charge.",
    },
    "did.malformed": {
        "en": "The signer’s identifier is malformed.",
        "fr": "L’identifiant du signataire est mal formé.",
    },
    "did.unsupported_method": {
        "en": "The signer’s kind of identifier is not one lerkit can look up.",
        "fr": "Le type d’identifiant du signataire n’est pas de ceux que lerkit sait consulter.",
    },
    "did.unresolvable": {
        "en": "The signer’s public key could not be looked up right now.",
        "fr": "La clé publique du signataire n’a pas pu être consultée pour l’instant.",
    },
    "did.document_invalid": {
        "en": "The signer’s published identity document is wrong.",
        "fr": "Le document d’identité publié par le signataire est incorrect.",
    },
    "verification_method.not_found": {
        "en": "The key named in the signature is not one the signer publishes.",
        "fr": "La clé nommée dans la signature n’est pas publiée par le signataire.",
    },
    "verification_method.not_authorized": {
        "en": "The signer has not authorized that key for this use.",
        "fr": "Le signataire n’a pas autorisé cette clé pour cet usage.",
    },
    "proof.missing": {
        "en": "It is not signed, so nothing shows who made it or that it is unchanged.",
        "fr": "Elle n’est pas signée : rien ne montre qui l’a faite ni qu’elle est intacte.",
    },
    "proof.malformed": {
        "en": "The signature is malformed.",
        "fr": "La signature est mal formée.",
    },
    "proof.invalid": {
        "en": "The signature does not match: it was changed after signing, or signed with another key. Do not trust its content.",
        "fr": "La signature ne correspond pas : elle a été modifiée après la signature, ou signée avec une autre clé. Ne vous fiez pas à son contenu.",
    },
    "proof.unsupported_suite": {
        "en": "It is signed with a method lerkit does not implement, so the signature could not be checked.",
        "fr": "Elle est signée avec une méthode que lerkit ne met pas en œuvre : la signature n’a pas pu être vérifiée.",
    },
    "proof.purpose_mismatch": {
        "en": "The signature was made for another purpose.",
        "fr": "La signature a été faite dans un autre but.",
    },
    "proof.challenge_mismatch": {
        "en": "The presentation does not answer your request (wrong challenge): it may be a replay.",
        "fr": "La présentation ne répond pas à votre demande (défi différent) : il peut s’agir d’un rejeu.",
    },
    "proof.domain_mismatch": {
        "en": "The presentation was made for someone else (wrong domain).",
        "fr": "La présentation a été faite pour quelqu’un d’autre (domaine différent).",
    },
    "proof.expired": {
        "en": "The signature has expired.",
        "fr": "La signature a expiré.",
    },
    "proof.created_in_future": {
        "en": "The signature claims to be made in the future.",
        "fr": "La signature prétend avoir été faite dans le futur.",
    },
    "issuer.key_not_controlled": {
        "en": "It was not signed by the issuer it names: someone else signed it.",
        "fr": "Elle n’a pas été signée par l’émetteur qu’elle nomme : quelqu’un d’autre l’a signée.",
    },
    "issuer.malformed": {
        "en": "It does not say clearly who issued it.",
        "fr": "Elle n’indique pas clairement qui l’a émise.",
    },
    "holder.key_not_controlled": {
        "en": "The person presenting it did not prove they hold it.",
        "fr": "La personne qui la présente n’a pas prouvé qu’elle en est détentrice.",
    },
    "validity.expired": {
        "en": "It has expired.",
        "fr": "Elle a expiré.",
    },
    "validity.not_yet_valid": {
        "en": "It is not valid yet.",
        "fr": "Elle n’est pas encore valide.",
    },
    "validity.malformed": {
        "en": "Its dates are malformed.",
        "fr": "Ses dates sont mal formées.",
    },
    "status.revoked": {
        "en": "The issuer has revoked it.",
        "fr": "L’émetteur l’a révoquée.",
    },
    "status.suspended": {
        "en": "The issuer has suspended it.",
        "fr": "L’émetteur l’a suspendue.",
    },
    "status.unresolvable": {
        "en": "Whether it was revoked could not be checked right now.",
        "fr": "Sa révocation éventuelle n’a pas pu être vérifiée pour l’instant.",
    },
    "status.list_invalid": {
        "en": "The issuer’s revocation list is not trustworthy, so revocation could not be established.",
        "fr": "La liste de révocation de l’émetteur n’est pas fiable : la révocation n’a pas pu être établie.",
    },
    "status.list_too_short": {
        "en": "The revocation list is too small to protect the holder’s privacy.",
        "fr": "La liste de révocation est trop petite pour protéger la vie privée du détenteur.",
    },
    "status.index_out_of_range": {
        "en": "Its entry is missing from the revocation list.",
        "fr": "Son entrée est absente de la liste de révocation.",
    },
    "status.purpose_mismatch": {
        "en": "Its status entry does not match the list it points to.",
        "fr": "Son entrée d’état ne correspond pas à la liste qu’elle désigne.",
    },
    "status.unsupported_type": {
        "en": "It uses a kind of revocation list lerkit cannot read.",
        "fr": "Elle utilise un type de liste de révocation que lerkit ne sait pas lire.",
    },
    "jwt.malformed": {
        "en": "The signed token is malformed.",
        "fr": "Le jeton signé est mal formé.",
    },
    "jwt.invalid_signature": {
        "en": "The signature does not match: the token was changed or signed with another key.",
        "fr": "La signature ne correspond pas : le jeton a été modifié ou signé avec une autre clé.",
    },
    "jwt.claims_mismatch": {
        "en": "The token’s envelope contradicts the credential inside.",
        "fr": "L’enveloppe du jeton contredit l’attestation qu’elle contient.",
    },
    "jwt.unsupported_alg": {
        "en": "The token uses a signature method that is refused.",
        "fr": "Le jeton utilise une méthode de signature refusée.",
    },
    "jwt.type_mismatch": {
        "en": "The token is not of the expected kind.",
        "fr": "Le jeton n’est pas du type attendu.",
    },
    "jwt.key_unresolvable": {
        "en": "Nothing ties the signing key to the issuer, or it could not be found.",
        "fr": "Rien ne relie la clé de signature à l’émetteur, ou elle est introuvable.",
    },
    "envelope.malformed": {
        "en": "The wrapped credential is malformed.",
        "fr": "L’attestation enveloppée est mal formée.",
    },
    "sdjwt.malformed": {
        "en": "The selectively disclosed credential is malformed.",
        "fr": "L’attestation à divulgation sélective est mal formée.",
    },
    "sdjwt.digest_mismatch": {
        "en": "A disclosed detail was not part of what the issuer signed.",
        "fr": "Un détail divulgué ne fait pas partie de ce que l’émetteur a signé.",
    },
    "sdjwt.reserved_claim": {
        "en": "A disclosed detail tries to override a protected field.",
        "fr": "Un détail divulgué tente de remplacer un champ protégé.",
    },
    "sdjwt.key_binding_missing": {
        "en": "The holder did not prove they hold this credential.",
        "fr": "Le détenteur n’a pas prouvé qu’il détient cette attestation.",
    },
    "sdjwt.key_binding_invalid": {
        "en": "The holder’s proof of possession is wrong (wrong key, request, or too old).",
        "fr": "La preuve de détention est incorrecte (mauvaise clé, mauvaise demande, ou trop ancienne).",
    },
    "fetch.refused": {
        "en": "A document it points to was not fetched: the address is not allowed.",
        "fr": "Un document qu’elle désigne n’a pas été récupéré : l’adresse n’est pas autorisée.",
    },
    "fetch.failed": {
        "en": "A document it points to could not be fetched right now.",
        "fr": "Un document qu’elle désigne n’a pas pu être récupéré pour l’instant.",
    },
    "fetch.too_large": {
        "en": "A document it points to is too large to fetch.",
        "fr": "Un document qu’elle désigne est trop volumineux pour être récupéré.",
    },
    "issuer.recognised": {
        "en": "The issuer is recognised by the trust registry for this kind of credential.",
        "fr": "L’émetteur est reconnu par le registre de confiance pour ce type d’attestation.",
    },
    "issuer.untrusted": {
        "en": "The issuer is not recognised by the trust registry for this kind of credential: the credential is genuine, but decide for yourself whether to trust who issued it.",
        "fr": "L’émetteur n’est pas reconnu par le registre de confiance pour ce type d’attestation : l’attestation est authentique, mais à vous de juger si vous faites confiance à son émetteur.",
    },
    "trust.accreditation_invalid": {
        "en": "The issuer is listed, but its accreditation could not be confirmed.",
        "fr": "L’émetteur est inscrit, mais son accréditation n’a pas pu être confirmée.",
    },
    "trust.registry_unavailable": {
        "en": "The trust registry could not be consulted.",
        "fr": "Le registre de confiance n’a pas pu être consulté.",
    },
    "trust.registry_invalid": {
        "en": "The trust registry document is not usable.",
        "fr": "Le document du registre de confiance est inutilisable.",
    },
    "assertion.malformed": {
        "en": "The Open Badges 2.0 badge is malformed.",
        "fr": "Le badge Open Badges 2.0 est mal formé.",
    },
    "assertion.not_hosted": {
        "en": "The badge is not published by its issuer where it says it is: do not trust it.",
        "fr": "Le badge n’est pas publié par son émetteur là où il l’indique : ne vous y fiez pas.",
    },
    "assertion.recipient_mismatch": {
        "en": "The badge was awarded to someone else.",
        "fr": "Le badge a été décerné à quelqu’un d’autre.",
    },
    "assertion.recipient_unchecked": {
        "en": "The badge names its recipient in a hidden form; give the recipient’s email to check it.",
        "fr": "Le badge désigne son destinataire sous forme masquée ; indiquez son courriel pour le vérifier.",
    },
    "verify.format_unknown": {
        "en": "This is not a kind of credential lerkit can verify.",
        "fr": "Ce n’est pas un type d’attestation que lerkit sait vérifier.",
    },
}

_VERDICTS: dict[tuple[str, str], dict[str, str]] = {
    ("valid", "credential"): {
        "en": "This credential is genuine and current.",
        "fr": "Cette attestation est authentique et en cours de validité.",
    },
    ("invalid", "credential"): {
        "en": "This credential is not valid: see the failed checks below.",
        "fr": "Cette attestation n’est pas valide : voyez les vérifications échouées ci-dessous.",
    },
    ("indeterminate", "credential"): {
        "en": "Nothing wrong was found, but some checks could not be made: try again later.",
        "fr": "Rien d’anormal n’a été trouvé, mais certaines vérifications n’ont pas pu être faites : réessayez plus tard.",
    },
    ("valid", "presentation"): {
        "en": "This presentation and every credential in it are genuine and current.",
        "fr": "Cette présentation et toutes ses attestations sont authentiques et en cours de validité.",
    },
    ("invalid", "presentation"): {
        "en": "This presentation is not valid: see the failed checks below.",
        "fr": "Cette présentation n’est pas valide : voyez les vérifications échouées ci-dessous.",
    },
    ("indeterminate", "presentation"): {
        "en": "Nothing wrong was found in the presentation, but some checks could not be made.",
        "fr": "Rien d’anormal n’a été trouvé dans la présentation, mais certaines vérifications n’ont pas pu être faites.",
    },
}


def _pick(table: dict[str, str], lang: str) -> str:
    return table.get(lang) or table["en"]


def explain(check: str, status: str, code: str | None, lang: str = "en") -> str:
    """A plain sentence for one check result (``lang`` ``en`` or ``fr``; else English)."""
    if code is not None and str(code) in _BY_CODE and status != "pass":
        return _pick(_BY_CODE[str(code)], lang)
    if code is not None and str(code) == "issuer.recognised":
        return _pick(_BY_CODE["issuer.recognised"], lang)
    specific = _BY_CHECK.get((check, status))
    if specific is not None:
        return _pick(specific, lang)
    return _pick(_BY_STATUS.get(status, _BY_STATUS["not_run"]), lang)


def verdict_summary(verdict: str, kind: str, lang: str = "en") -> str:
    """One plain sentence for a report's verdict."""
    table = _VERDICTS.get((verdict, kind)) or _VERDICTS[(verdict, "credential")]
    return _pick(table, lang)


def code_message(code: str, lang: str = "en") -> str | None:
    """The plain sentence of a problem code, or None when it has none."""
    table = _BY_CODE.get(code)
    return _pick(table, lang) if table is not None else None


def tables() -> list[dict[str, str]]:
    """Every translation table (for the test that checks no language is missing)."""
    return [*_BY_CHECK.values(), *_BY_STATUS.values(), *_BY_CODE.values(), *_VERDICTS.values()]


__all__ = ["LANGUAGES", "code_message", "explain", "tables", "verdict_summary"]
