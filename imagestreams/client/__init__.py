"""API clients: one protocol (``protocol.ApiClient``), in-process and HTTP implementations."""

__all__: list[str] = []
