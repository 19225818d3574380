"""Skills services (issue 7): the bundled default taxonomy, the framework registry,
extraction, crosswalks, alignment and federated search.

``default_taxonomy()`` needs no database: it loads the bundled ESCO + O*NET taxonomy once
(lazily, cached) and implements both :class:`~lerkit.core.skills.types.SkillNormalizer` and
:class:`~lerkit.core.skills.types.OccupationCatalog`.
"""

from __future__ import annotations

from lerkit.services.skills.default import (
    DEFAULT_DATA,
    attribution,
    default_taxonomy,
    load_default_data,
)

__all__ = ["DEFAULT_DATA", "attribution", "default_taxonomy", "load_default_data"]
