"""Tables of share links and their views, consent records, résumés, OAuth clients and grants of the
OB 3.0 host API (issue 5).

Same conventions as :mod:`lerkit.db.models` (``Base``, ``UTCDateTime``, ``JSON_TYPE``);
imported by it so that ``Base.metadata`` holds every table. Migration: ``r0006_sharing``.
"""

from __future__ import annotations
