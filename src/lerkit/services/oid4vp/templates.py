"""Presentation request templates: a DCQL query from a few words.

* ``ob3-skill`` — "an Open Badges 3.0 credential (ldp_vc) aligned to skill S [from a trusted
  issuer]": ``skill`` is an alignment's ``targetUrl`` (a URL, e.g. an ESCO skill) or its
  ``targetName``; ``trusted_issuers`` (DIDs) narrows the issuer (also written into the query
  as a value constraint on ``issuer.id``, so wallets offer only those).
* ``sd-jwt-vc`` — "an SD-JWT VC of type V disclosing claims C": ``vct`` and ``claims``
  (names, dotted paths or JSON pointers).
* ``vc-type`` — "any VC of type T": ``type`` (a compact name or an IRI), as ``ldp_vc`` or
  ``jwt_vc_json`` (a credential set with both options).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lerkit.core.types import JsonObject
from lerkit.services.errors import ValidationError

OB3_CREDENTIAL_IRI = "https://purl.imsglobal.org/spec/vc/ob/vocab.html#OpenBadgeCredential"
TEMPLATES = ("ob3-skill", "sd-jwt-vc", "vc-type")


@dataclass(frozen=True)
class Templated:
    dcql: JsonObject
    trusted_issuers: list[str]
    purpose: str


def _text(params: Mapping[str, Any], name: str, limit: int = 500) -> str:
    value = params.get(name)
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise ValidationError(
            f"the template needs {name} (a non-empty string of at most {limit} characters)",
            [{"field": name, "message": "required"}],
        )
    return value.strip()


def _strings(params: Mapping[str, Any], name: str) -> list[str]:
    value = params.get(name) or []
    if not isinstance(value, list) or not all(
        isinstance(v, str) and v.strip() and len(v) <= 500 for v in value
    ):
        raise ValidationError(f"{name} must be a list of strings", [{"field": name}])
    if len(value) > 50:
        raise ValidationError(f"{name} has more than 50 entries", [{"field": name}])
    return [v.strip() for v in value]


def claim_path(text: str) -> list[str | int | None]:
    """``a.b``, ``/a/b`` or ``a[*].b`` -> a DCQL claims path."""
    if text.startswith("/"):
        parts: list[str] = [p.replace("~1", "/").replace("~0", "~") for p in text[1:].split("/")]
    else:
        parts = text.replace("[*]", ".*").split(".")
    out: list[str | int | None] = []
    for p in parts:
        if p == "*":
            out.append(None)
        elif p.isdigit():
            out.append(int(p))
        elif p:
            out.append(p)
        else:
            raise ValidationError(f"{text!r} is not a claim path", [{"field": "claims"}])
    return out


def build(template: str, params: Mapping[str, Any]) -> Templated:
    if template == "ob3-skill":
        skill = _text(params, "skill")
        issuers = _strings(params, "trusted_issuers")
        field = "targetUrl" if "://" in skill else "targetName"
        claims: list[JsonObject] = [
            {"id": "achievement", "path": ["credentialSubject", "achievement", "name"]},
            {
                "id": "skill",
                "path": ["credentialSubject", "achievement", "alignment", None, field],
                "values": [skill],
            },
        ]
        if issuers:
            claims.append({"id": "issuer", "path": ["issuer", "id"], "values": issuers})
        query: JsonObject = {
            "credentials": [
                {
                    "id": "badge",
                    "format": "ldp_vc",
                    "meta": {"type_values": [[OB3_CREDENTIAL_IRI], ["OpenBadgeCredential"]]},
                    "claims": claims,
                }
            ]
        }
        who = " from a trusted issuer" if issuers else ""
        return Templated(query, issuers, f"An Open Badge showing the skill {skill}{who}")
    if template == "sd-jwt-vc":
        vct = _text(params, "vct")
        names = _strings(params, "claims")
        query = {
            "credentials": [
                {
                    "id": "credential",
                    "format": "dc+sd-jwt",
                    "meta": {"vct_values": [vct]},
                    **({"claims": [{"path": claim_path(n)} for n in names]} if names else {}),
                }
            ]
        }
        shown = ", ".join(names) if names else "no optional claims"
        return Templated(query, [], f"A credential of type {vct} showing {shown}")
    if template == "vc-type":
        type_ = _text(params, "type")
        meta = {"type_values": [[type_]]}
        query = {
            "credentials": [
                {"id": "ldp", "format": "ldp_vc", "meta": meta},
                {"id": "jwt", "format": "jwt_vc_json", "meta": meta},
            ],
            "credential_sets": [{"options": [["ldp"], ["jwt"]], "purpose": f"A {type_}"}],
        }
        return Templated(query, [], f"A verifiable credential of type {type_}")
    raise ValidationError(
        f"unknown template {template!r}; choose one of {', '.join(TEMPLATES)}",
        [{"field": "template"}],
    )


def describe() -> list[JsonObject]:
    """The templates and their parameters (for the API and the CLI)."""
    params: dict[str, Sequence[str]] = {
        "ob3-skill": ("skill", "trusted_issuers"),
        "sd-jwt-vc": ("vct", "claims"),
        "vc-type": ("type",),
    }
    return [{"template": name, "params": list(params[name])} for name in TEMPLATES]
