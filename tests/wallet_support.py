"""Helpers for tests that need a holder and credentials in their wallet (issue 5).

``new_holder(client)`` signs a new holder up through the API and returns bearer headers;
``receive_file(client, headers, document)`` imports a document (JSON-LD, JWS, SD-JWT, baked
PNG/SVG bytes or a dict) like an uploaded file and returns the stored credential as JSON.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

PASSWORD = "correct horse battery staple"


def new_holder(
    client: Any, *, email: str | None = None, password: str = PASSWORD, name: str = ""
) -> tuple[dict[str, str], str]:
    """Sign up a fresh holder; ``(bearer headers, holder public_id)``."""
    email = email or f"holder-{uuid.uuid4().hex[:12]}@example.org"
    response = client.post(
        "/api/v1/wallet/signup",
        json={"email": email, "password": password, "display_name": name or email.split("@")[0]},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return {"Authorization": f"Bearer {body['token']}"}, body["holder"]["public_id"]


def receive_file(
    client: Any,
    headers: dict[str, str],
    document: str | bytes | dict[str, Any],
    *,
    filename: str | None = None,
    insist: bool = False,
) -> dict[str, Any]:
    """Import ``document`` as an uploaded file; the stored credential (201 new, 200 already
    kept). Fails the test on any other answer."""
    if isinstance(document, dict):
        data = json.dumps(document).encode("utf-8")
    elif isinstance(document, str):
        data = document.encode("utf-8")
    else:
        data = document
    if filename is None:
        if data.startswith(b"\x89PNG"):
            filename = "credential.png"
        elif data.lstrip().startswith(b"<"):
            filename = "credential.svg"
        elif data.lstrip().startswith(b"{"):
            filename = "credential.json"
        else:
            filename = "credential.jwt"
    response = client.post(
        "/api/v1/wallet/credentials/import",
        headers=headers,
        files={"file": (filename, data, "application/octet-stream")},
        data={"insist": "true"} if insist else {},
    )
    assert response.status_code in (200, 201), response.text
    result: dict[str, Any] = response.json()
    return result
