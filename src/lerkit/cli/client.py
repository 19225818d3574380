"""A small client for lerkit's REST API (``/api/v1``), for the CLI commands that talk to a
running ``lerkit serve``.

    client = ApiClient.connect(api_url, api_key)      # --api-url / --api-key, or the env
    client.get("/organization")                        # parsed JSON (None for 204)
    client.post("/credentials", json={...})
    client.get_text("/bulk-jobs/<id>/report.csv")      # text bodies

The API key travels only in the ``Authorization: Bearer`` header: it is never printed,
logged or put in an error message (an unusable key is refused before it is sent, because
httpx would quote a malformed header value in its error).

Every failure is one :class:`ApiError` (a ``LerkitError``: ``lerkit.cli.main.run`` prints
one line, ``error: <message> [<code>]``, and exits 2)::

    ApiError            status: int | None, code: str, detail: str, errors: list[dict]
      problem+json      the server's ``code`` and ``detail``; 422 adds its per-field errors
      no problem+json   ``api.bad_response`` (a proxy's HTML page, not a lerkit server?)
      no answer         ``api.unreachable`` (refused, DNS, TLS), ``api.timeout``

Commands that can say "invalid" rather than "error" (a bulk file with bad rows) catch
:class:`ApiError` themselves and use ``errors``.
"""

from __future__ import annotations

import json
import re
from typing import Any, cast
from urllib.parse import quote, urlsplit

import httpx

from lerkit.core.errors import InputError, LerkitError, ProblemCode

DEFAULT_API_URL = "http://127.0.0.1:8000"
API_PREFIX = "/api/v1"
TIMEOUT = httpx.Timeout(60.0, connect=5.0)

_KEY_CHARS = re.compile(r"[\x21-\x7e]{1,1000}")  # printable ASCII, no spaces: a header value
_SHOWN_ERRORS = 5


class ApiError(LerkitError):
    """The API refused a request or could not be reached.

    ``code`` is the server's problem code as it sent it (a string: the server may know
    codes this CLI does not), or ``api.*`` for failures on the way there.
    """

    def __init__(
        self,
        message: str,
        code: str,
        *,
        status: int | None = None,
        detail: str = "",
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = cast(ProblemCode, code)  # printed as given; ProblemCode is a StrEnum
        self.status = status
        self.detail = detail or message
        self.errors = errors or []


def segment(value: str) -> str:
    """``value`` as one URL path segment (credential ids are ``urn:uuid:...``)."""
    return quote(value, safe=":@")


def _check_url(api_url: str) -> str:
    url = api_url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError(
            f"--api-url must be an http(s) URL like {DEFAULT_API_URL}, got {api_url!r}"
        )
    if parts.query or parts.fragment or parts.username or parts.password:
        raise InputError("--api-url must be a plain base URL (no query, fragment or user)")
    return url


def _check_key(api_key: str | None) -> str:
    if api_key is None or not api_key.strip():
        raise InputError(
            "no API key: pass --api-key or set LERKIT_API_KEY (`lerkit admin bootstrap` "
            "prints the first one; `lerkit api-key create` makes more)"
        )
    key = api_key.strip()
    if not _KEY_CHARS.fullmatch(key):
        # never echo it: this is the user's secret, even when it is malformed
        raise InputError("the API key is malformed (spaces, line breaks or non-ASCII characters)")
    return key


def _error_summary(errors: list[dict[str, Any]]) -> str:
    parts = []
    for item in errors[:_SHOWN_ERRORS]:
        where = item.get("field") or item.get("row") or item.get("pointer") or ""
        message = item.get("message") or item.get("detail") or ""
        parts.append(f"{where}: {message}" if where else str(message))
    more = len(errors) - _SHOWN_ERRORS
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")


def _mentions(detail: str, error: dict[str, Any]) -> bool:
    """Whether the problem's detail already tells the error (the server summarized it)."""
    message = error.get("message")
    return isinstance(message, str) and message in detail


class ApiClient:
    """One connection to one lerkit server, as one organization (its API key)."""

    def __init__(self, base_url: str, http: httpx.Client) -> None:
        self.base_url = base_url
        self._http = http

    @classmethod
    def connect(
        cls,
        api_url: str,
        api_key: str | None,
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> ApiClient:
        base_url = _check_url(api_url)
        key = _check_key(api_key)
        http = httpx.Client(
            base_url=base_url + API_PREFIX,
            headers={"Authorization": f"Bearer {key}", "Accept": "application/json"},
            timeout=TIMEOUT,
            follow_redirects=False,  # a redirect is a misconfiguration; never resend the key
            transport=transport,
        )
        return cls(base_url, http)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- requests

    def get(self, path: str, *, params: dict[str, Any] | None = None) -> Any:
        return self._json(self.request("GET", path, params=params))

    def post(
        self,
        path: str,
        *,
        json: Any = None,
        data: dict[str, str] | None = None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
    ) -> Any:
        return self._json(self.request("POST", path, json=json, data=data, files=files))

    def patch(self, path: str, *, json: Any) -> Any:
        return self._json(self.request("PATCH", path, json=json))

    def delete(self, path: str) -> Any:
        return self._json(self.request("DELETE", path))

    def get_text(self, path: str) -> str:
        return self.request("GET", path).text

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Send one request; a non-2xx answer or a failed connection raises ApiError."""
        params = kwargs.pop("params", None)
        if params:
            kwargs["params"] = {k: v for k, v in params.items() if v is not None}
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.ConnectError as exc:
            raise ApiError(
                f"cannot reach the lerkit API at {self.base_url} — is `lerkit serve` running?",
                "api.unreachable",
            ) from exc
        except httpx.TimeoutException as exc:
            raise ApiError(
                f"the lerkit API at {self.base_url} did not answer in time", "api.timeout"
            ) from exc
        except httpx.LocalProtocolError as exc:  # its message may quote a header: not shown
            raise ApiError(
                f"cannot send the request to {self.base_url} (an invalid request header)",
                "api.unreachable",
            ) from exc
        except httpx.HTTPError as exc:
            raise ApiError(
                f"the connection to the lerkit API at {self.base_url} failed "
                f"({type(exc).__name__}: {exc})",
                "api.unreachable",
            ) from exc
        if not response.is_success:
            raise self._problem(method, path, response)
        return response

    # -- responses

    def _json(self, response: httpx.Response) -> Any:
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ApiError(
                f"{self.base_url} answered with something that is not JSON "
                "— is --api-url a lerkit server?",
                "api.bad_response",
                status=response.status_code,
            ) from exc

    def _problem(self, method: str, path: str, response: httpx.Response) -> ApiError:
        status = response.status_code
        body: Any = None
        if "json" in response.headers.get("content-type", ""):
            try:
                body = response.json()
            except (json.JSONDecodeError, UnicodeDecodeError):
                body = None
        if not isinstance(body, dict) or not isinstance(body.get("code"), str):
            if response.is_redirect:
                where = response.headers.get("location", "elsewhere")
                return ApiError(
                    f"{self.base_url} redirects to {where}: point --api-url there",
                    "api.bad_response",
                    status=status,
                )
            return ApiError(
                f"{self.base_url} answered HTTP {status} without a problem report "
                "— is --api-url a lerkit server?",
                "api.bad_response",
                status=status,
            )
        code: str = body["code"]
        detail = str(body.get("detail") or body.get("title") or f"HTTP {status}")
        raw_errors = body.get("errors")
        errors = (
            [e for e in raw_errors if isinstance(e, dict)] if isinstance(raw_errors, list) else []
        )
        message = detail
        if status == 401:
            message = f"the API refused the key: {detail} (check --api-key / LERKIT_API_KEY)"
        elif status == 404 and detail == "Not Found":  # no such route, not a missing object
            message = (
                f"the lerkit API at {self.base_url} has no {method} {API_PREFIX}{path} "
                "(an older server, or a feature it does not offer)"
            )
        elif errors and not _mentions(detail, errors[0]):
            message = f"{detail}: {_error_summary(errors)}"
        return ApiError(message, code, status=status, detail=detail, errors=errors)


__all__ = ["API_PREFIX", "DEFAULT_API_URL", "ApiClient", "ApiError", "segment"]
