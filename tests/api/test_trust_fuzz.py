"""Fuzz the trust area's routes harder than the whole-API run (tests/api/test_fuzz.py):
schemathesis from the OpenAPI description, authenticated and not, on SQLite and
PostgreSQL; no input may
produce a 5xx, and a registry with entries and a published document is there to find."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import schemathesis
    from schemathesis.checks import not_a_server_error

from api.test_fuzz import FuzzTarget, _database_url, _target

MAX_EXAMPLES = 30
PATHS = r"^/(api/v1/trust|api/v1/verify|trust|verify)"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def target(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FuzzTarget]:
    folder: Path = tmp_path_factory.mktemp("trust-fuzz")
    with _database_url(request.param, folder) as url:
        yield from _seeded(url, folder)


def _seeded(url: str, folder: Path) -> Iterator[FuzzTarget]:
    found = next(_gen := _target(url, folder))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient as Client
    with Client(found.app) as client:
        client.post(
            "/api/v1/trust/registries", json={"name": "x", "published": True}, headers=found.headers
        )
        client.post(
            "/api/v1/trust/registries/x/entries",
            json={"did": "did:web:uni.example"},
            headers=found.headers,
        )
    yield found
    for _ in _gen:
        pass


@pytest.mark.parametrize("authenticated", [True, False])
def test_no_input_is_a_server_error(target: FuzzTarget, authenticated: bool) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", target.app).include(path_regex=PATHS)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 18
    headers = target.headers if authenticated else {}
    failures: list[str] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: schemathesis.Case) -> None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                response = case.call(headers=headers)
            case.validate_response(response, checks=[not_a_server_error])

        try:
            run()
        except Exception as exc:
            failures.append(f"{operation.label}: {str(exc)[:2000]}")
    assert not failures, "\n\n".join(failures)
