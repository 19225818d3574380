"""Tables of job postings, candidate profiles and evidence, match runs (issue 8).

Same conventions as :mod:`lerkit.db.models` (``Base``, ``UTCDateTime``, ``JSON_TYPE``);
imported by it so that ``Base.metadata`` holds every table. Migration: ``r0010_market``.
"""

from __future__ import annotations
