"""Tables of trust registries, entries, accreditations, subscriptions; verification caches (issue
6).

Same conventions as :mod:`lerkit.db.models` (``Base``, ``UTCDateTime``, ``JSON_TYPE``);
imported by it so that ``Base.metadata`` holds every table. Migration: ``r0008_trust``.
"""

from __future__ import annotations
