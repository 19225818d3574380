"""Tables of skill frameworks, skills, occupations, relations, crosswalks, embeddings (issue 7).

Same conventions as :mod:`lerkit.db.models` (``Base``, ``UTCDateTime``, ``JSON_TYPE``);
imported by it so that ``Base.metadata`` holds every table. Migration: ``r0009_skills``.
"""

from __future__ import annotations
