"""Tables of OpenID4VP presentation requests and their responses (issues 5, 6).

Same conventions as :mod:`lerkit.db.models` (``Base``, ``UTCDateTime``, ``JSON_TYPE``);
imported by it so that ``Base.metadata`` holds every table. Migration: ``r0007_oid4vp``.
"""

from __future__ import annotations
