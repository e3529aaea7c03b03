"""A MockTransport-backed RegistryClient and canned registry answers for the unit tests."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

import httpx

from imagestreams.oci import mediatypes as mt
from imagestreams.oci.client import RegistryClient

__all__ = [
    "DIGEST",
    "HOST",
    "MANIFEST",
    "OTHER",
    "Handler",
    "client",
    "manifest_response",
    "registry_error",
]

HOST = "reg.test"
MANIFEST = json.dumps(
    {
        "schemaVersion": 2,
        "mediaType": mt.DOCKER_SCHEMA2,
        "config": {"mediaType": mt.DOCKER_CONFIG, "size": 2, "digest": "sha256:" + "1" * 64},
        "layers": [],
    }
).encode()
DIGEST = "sha256:" + hashlib.sha256(MANIFEST).hexdigest()
OTHER = "sha256:" + "f" * 64

Handler = Callable[[httpx.Request], Any]


def client(handler: Handler, **kwargs: Any) -> RegistryClient:
    return RegistryClient(HOST, transport=httpx.MockTransport(handler), **kwargs)


def manifest_response(
    body: bytes = MANIFEST, headers: dict[str, str] | None = None
) -> httpx.Response:
    all_headers = {"Content-Type": mt.DOCKER_SCHEMA2, **(headers or {})}
    return httpx.Response(200, headers=all_headers, content=body)


def registry_error(status: int, code: str, message: str, **headers: str) -> httpx.Response:
    return httpx.Response(
        status, headers=headers, json={"errors": [{"code": code, "message": message}]}
    )
