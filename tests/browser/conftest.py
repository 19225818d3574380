"""Browser fixtures: the integration suite's databases (``database_url``, ``db``)."""

from __future__ import annotations

import integration.conftest as _integration
from integration.test_claims_service import smtp_server  # noqa: F401 (a fixture)

for _name, _value in vars(_integration).items():
    if type(_value).__name__ == "FixtureFunctionDefinition" or hasattr(
        _value, "_pytestfixturefunction"
    ):
        globals()[_name] = _value
database_url = _integration.database_url
db = _integration.db
