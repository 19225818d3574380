"""The HTTP API (FastAPI): W3C VC-API endpoints and lerkit's REST API. A thin edge:
parse, authorize, call a service, map errors to RFC 9457 problem+json."""
