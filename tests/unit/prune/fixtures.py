"""Small builders for pruning tables: images, streams, pods, limit ranges (plain API dicts).

Timestamps are relative to a fixed ``NOW``: ``OLD`` objects are two hours old (older than the
default 60m cutoff), ``YOUNG`` ones a minute old. Digests are ``sha256:`` + one repeated hex
digit or a short name padded with zeros, so tables stay readable.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = [
    "NOW",
    "OLD",
    "REGISTRY",
    "YOUNG",
    "d",
    "image",
    "limit_range",
    "pod",
    "stream",
    "ts",
]

Obj = dict[str, Any]
NOW = datetime(2024, 6, 1, 12, 0, 0, tzinfo=UTC)
OLD = NOW - timedelta(hours=2)
YOUNG = NOW - timedelta(minutes=1)
REGISTRY = "registry.io"
OCI = "application/vnd.oci.image.manifest.v1+json"


def ts(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def d(label: str) -> str:
    """A readable fake digest: ``d("1")`` = ``sha256:000...01``; ``d("l1")`` likewise."""
    hexed = label.encode().hex()
    return "sha256:" + hexed.rjust(64, "0")


def image(
    label: str,
    *,
    layers: tuple[str, ...] = (),
    config: str = "",
    created: datetime = OLD,
    managed: bool = True,
    size: int = 100,
    media_type: str = OCI,
    children: tuple[str, ...] = (),
) -> Obj:
    annotations = {"openshift.io/image.managed": "true"} if managed else {}
    obj: Obj = {
        "metadata": {
            "name": d(label),
            "creationTimestamp": ts(created),
            "annotations": annotations,
        },
        "dockerImageReference": f"{REGISTRY}/foo/bar@{d(label)}",
        "dockerImageManifestMediaType": media_type,
        "dockerImageLayers": [{"name": d(layer), "size": 10} for layer in layers],
        "dockerImageMetadata": {"Id": d(config) if config else "", "Size": size},
    }
    if children:
        obj["dockerImageManifests"] = [{"digest": d(c)} for c in children]
    return obj


def stream(
    namespace: str,
    name: str,
    tags: dict[str, list[str | tuple[str, datetime]]],
    *,
    created: datetime = OLD,
) -> Obj:
    """``tags``: tag -> image labels newest first (a ``(label, created)`` pair for a time)."""
    status_tags = []
    for tag, items in tags.items():
        events = []
        for item in items:
            label, when = item if isinstance(item, tuple) else (item, OLD)
            events.append(
                {
                    "created": ts(when),
                    "dockerImageReference": f"{REGISTRY}/{namespace}/{name}@{d(label)}",
                    "image": d(label),
                    "generation": 1,
                }
            )
        status_tags.append({"tag": tag, "items": events})
    return {
        "metadata": {"namespace": namespace, "name": name, "creationTimestamp": ts(created)},
        "spec": {},
        "status": {"dockerImageRepository": f"{REGISTRY}/{namespace}/{name}", "tags": status_tags},
    }


def pod(
    namespace: str,
    name: str,
    *images: str,
    phase: str = "Running",
    created: datetime = OLD,
    init: tuple[str, ...] = (),
) -> Obj:
    return {
        "metadata": {"namespace": namespace, "name": name, "creationTimestamp": ts(created)},
        "spec": {
            "initContainers": [{"name": f"i{n}", "image": i} for n, i in enumerate(init)],
            "containers": [{"name": f"c{n}", "image": i} for n, i in enumerate(images)],
        },
        "status": {"phase": phase},
    }


def limit_range(namespace: str, storage: str) -> Obj:
    return {
        "metadata": {"namespace": namespace, "name": "limits"},
        "spec": {"limits": [{"type": "openshift.io/Image", "max": {"storage": storage}}]},
    }
