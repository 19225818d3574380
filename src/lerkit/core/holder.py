"""Holding: build a presentation of credentials and sign it for a challenge and domain."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lerkit.core import dataintegrity, jose
from lerkit.core.dids.base import split_did_url
from lerkit.core.errors import InputError, ProblemCode, SigningError
from lerkit.core.issuer import resolve_suite
from lerkit.core.jsonld import Canonicalizer, DocumentLoader
from lerkit.core.jsonvalue import check_json_value
from lerkit.core.keys import PrivateKey
from lerkit.core.model.vc import VC_V2_CONTEXT
from lerkit.core.types import JsonObject


def create_presentation(
    credentials: list[JsonObject | str],
    *,
    holder: str | None = None,
    presentation_id: str | None = None,
) -> JsonObject:
    """An unsigned VC 2.0 presentation; JWT credentials are wrapped as enveloped credentials."""
    items: list[Any] = []
    for cred in credentials:
        if isinstance(cred, str):
            items.append(jose.envelope_credential(cred))
        elif isinstance(cred, dict):
            items.append(cred)
        else:
            raise InputError("each credential must be a JSON object or a JWT")
    vp: JsonObject = {"@context": [VC_V2_CONTEXT], "type": ["VerifiablePresentation"]}
    if presentation_id:
        vp["id"] = presentation_id
    if holder:
        vp["holder"] = holder
    if items:
        vp["verifiableCredential"] = items
    return vp


def sign_presentation(
    presentation: JsonObject,
    key: PrivateKey,
    *,
    verification_method: str,
    created: datetime,
    challenge: str | None = None,
    domain: str | None = None,
    suite: str = "eddsa-rdfc-2022",
    loader: DocumentLoader | None = None,
    canonicalizer: Canonicalizer | None = None,
) -> JsonObject | str:
    """Sign as the holder (proof purpose ``authentication``), binding challenge and domain."""
    if not isinstance(presentation, dict):
        raise InputError("a presentation must be a JSON object", ProblemCode.PRESENTATION_MALFORMED)
    check_json_value(presentation, "presentation")
    controller, _ = split_did_url(verification_method)
    holder = presentation.get("holder")
    holder_id = holder.get("id") if isinstance(holder, dict) else holder
    if holder_id is not None and holder_id != controller:
        raise SigningError(
            f"the presentation's holder is {holder_id}, but the key belongs to {controller}",
            ProblemCode.HOLDER_MISMATCH,
        )
    cryptosuite = resolve_suite(suite, key)
    if cryptosuite == "vc-jwt":
        return jose.secure_presentation(
            presentation, key, verification_method, challenge=challenge, domain=domain
        )
    options = dataintegrity.ProofOptions(
        cryptosuite=cryptosuite,
        verification_method=verification_method,
        proof_purpose="authentication",
        created=created,
        challenge=challenge,
        domain=domain,
    )
    # add_proof appends the suite's context when the document lacks it
    return dataintegrity.add_proof(
        presentation, key, options, loader=loader, canonicalizer=canonicalizer
    )
