"""Comprehensive Learner Record 2.0 (context 2.0.1, on OB 3.0.3 and VC Data Model 2.0).

A ``ClrCredential`` wraps already-signed achievement credentials (each is verified on its
own) and may describe the structure between achievements with :class:`Association`.
Built on the same frozen, keyword-only dataclasses as :mod:`lerkit.core.model.ob3`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar

from lerkit.core.errors import InputError, ProblemCode
from lerkit.core.model.ob3 import (
    OB_V3_CONTEXT,
    Achievement,
    IdentityObject,
    Node,
    _Credential,
    _require_url,
)
from lerkit.core.model.vc import VC_V2_CONTEXT
from lerkit.core.types import JsonObject

CLR_V2_CONTEXT = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
"""The CLR 2.0 context; a ClrCredential lists VC v2, this, then OB 3.0.3, in that order."""

CLR_CREDENTIAL_SCHEMA = (
    "https://purl.imsglobal.org/spec/clr/v2p0/schema/json/clr_v2p0_clrcredential_schema.json"
)


class AssociationType(StrEnum):
    """How ``sourceId`` relates to ``targetId``."""

    EXACT_MATCH_OF = "exactMatchOf"
    IS_CHILD_OF = "isChildOf"
    IS_PARENT_OF = "isParentOf"
    IS_PART_OF = "isPartOf"
    IS_PEER_OF = "isPeerOf"
    IS_RELATED_TO = "isRelatedTo"
    PRECEDES = "precedes"
    REPLACED_BY = "replacedBy"


@dataclass(frozen=True, kw_only=True)
class Association(Node):
    """A relation between two achievements, by their ids."""

    TYPE: ClassVar[str | None] = "Association"
    SINGLE_TYPE: ClassVar[bool] = True

    association_type: AssociationType
    source_id: str
    target_id: str

    def __post_init__(self) -> None:
        if self.association_type not in set(AssociationType):
            raise InputError(
                f"associationType must be one of {[t.value for t in AssociationType]}, "
                f"got {self.association_type!r}",
                ProblemCode.CREDENTIAL_MALFORMED,
            )
        _require_url(self.source_id, "Association.sourceId")
        _require_url(self.target_id, "Association.targetId")


@dataclass(frozen=True, kw_only=True)
class ClrSubject(Node):
    """The learner and their record: signed credentials, plus optional achievements and
    associations describing the program's structure."""

    TYPE: ClassVar[str | None] = "ClrSubject"

    verifiable_credential: tuple[JsonObject, ...]
    id: str | None = None
    identifier: tuple[IdentityObject, ...] = ()
    achievement: tuple[Achievement, ...] = ()
    association: tuple[Association, ...] = ()

    def __post_init__(self) -> None:
        if not self.verifiable_credential:
            raise InputError(
                "ClrSubject needs at least one verifiable credential",
                ProblemCode.CREDENTIAL_MALFORMED,
            )
        if self.id is not None:
            _require_url(self.id, "ClrSubject.id")


@dataclass(frozen=True, kw_only=True)
class ClrCredential(_Credential):
    """An unsigned CLR 2.0 ``ClrCredential`` (``name`` is required)."""

    PRIMARY_CONTEXTS: ClassVar[tuple[str, ...]] = (VC_V2_CONTEXT, CLR_V2_CONTEXT, OB_V3_CONTEXT)
    TYPE: ClassVar[str] = "ClrCredential"

    credential_subject: ClrSubject
    partial: bool | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.name:
            raise InputError("ClrCredential needs a name", ProblemCode.CREDENTIAL_MALFORMED)

    def _body(self) -> JsonObject:
        return {"partial": self.partial}

    def _subject_json(self) -> Any:
        return self.credential_subject.to_json()
