"""Builds one REST object per served resource over a storage backend.

The composition root calls ``build``; the HTTP server only sees the resulting mapping of
``(group, version, plural, subresource)`` to ``rest.Resource``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field

from imagestreams import errors
from imagestreams.api import scheme
from imagestreams.resources.core.crds import CustomResourceDefinitions
from imagestreams.resources.core.gc import GarbageCollector
from imagestreams.resources.core.namespaces import NamespaceStore
from imagestreams.resources.core.scale import ScaleSubresource
from imagestreams.resources.core.strategies import strategy_for
from imagestreams.rest.context import RequestContext
from imagestreams.rest.resource import Resource
from imagestreams.rest.store import GenericStore, StorageObserver
from imagestreams.storage import interface as st

__all__ = ["BOOTSTRAP_NAMESPACES", "Installed", "ResourceKey", "bootstrap", "build"]

ResourceKey = tuple[str, str, str, str]
BOOTSTRAP_NAMESPACES = ("default", "kube-system", "kube-public", "openshift")

Extension = Callable[["Installed"], None]
"""A function that adds resources (the image group) to an ``Installed`` set."""


@dataclass
class Installed:
    storage: st.Storage
    namespaces: NamespaceStore
    stores: dict[ResourceKey, GenericStore] = field(default_factory=dict)
    resources: dict[ResourceKey, Resource] = field(default_factory=dict)
    observe: StorageObserver | None = None
    gc: GarbageCollector | None = None

    def add(self, key: ResourceKey, resource: Resource) -> None:
        self.resources[key] = resource
        if isinstance(resource, GenericStore) and not key[3]:
            self.stores[key] = resource


def _key(info: scheme.ResourceInfo) -> ResourceKey:
    return (info.group, info.version, info.plural, info.subresource)


def build(
    storage: st.Storage,
    *,
    observe: StorageObserver | None = None,
    extensions: tuple[Extension, ...] = (),
) -> Installed:
    """Stores for the generic Kubernetes kinds, then whatever ``extensions`` add."""
    ns_info = scheme.find("", "v1", "namespaces")
    assert ns_info is not None
    namespaces = NamespaceStore(ns_info, strategy_for(ns_info), storage, observe=observe)
    installed = Installed(storage=storage, namespaces=namespaces, observe=observe)
    installed.add(_key(ns_info), namespaces)
    installed.add(("", "v1", "namespaces", "status"), namespaces.status_view())
    for info in scheme.CORE_RESOURCES:
        if info.plural == "namespaces" or info.subresource:
            continue
        store = GenericStore(
            info,
            strategy_for(info),
            storage,
            namespace_check=namespaces.check,
            observe=observe,
        )
        installed.add(_key(info), store)
        if scheme.find(info.group, info.version, info.plural, "status") is not None:
            installed.add((*_key(info)[:3], "status"), store.status_view())
        scale = scheme.find(info.group, info.version, info.plural, "scale")
        if scale is not None:
            installed.add(_key(scale), ScaleSubresource(scale, store))
    crds = scheme.CRD_RESOURCE
    installed.add(_key(crds), CustomResourceDefinitions(crds, storage))
    for extend in extensions:
        extend(installed)
    namespaces.contents = [s for s in installed.stores.values() if s.info.namespaced]
    installed.gc = GarbageCollector(list(installed.stores.values()))
    for store in installed.stores.values():
        store.after_delete = installed.gc.on_deleted
    return installed


async def bootstrap(installed: Installed) -> None:
    """Create the namespaces every cluster has, and resume unfinished namespace deletions."""
    ctx = RequestContext()
    for name in BOOTSTRAP_NAMESPACES:
        try:
            await installed.namespaces.get(ctx, name)
        except errors.NotFound:
            # Another API server sharing the store may create it at the same moment.
            with contextlib.suppress(errors.AlreadyExists):
                await installed.namespaces.create(ctx, {"metadata": {"name": name}})
    await installed.namespaces.resume_finalizers()
