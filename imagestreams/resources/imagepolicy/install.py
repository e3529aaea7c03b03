"""Wires the image policy into an ``Installed`` resource set.

``imagepolicy_extension`` is an extension for ``resources.install.build``: it appends the
admission step to the stores of the covered kinds (``GenericStore.admission``) and serves the
webhook resource. Image streams are read through the installed image resources themselves
(``ResourcesLookup``), so resolution sees exactly what ``GET .../imagestreamtags/<name>:<tag>``
returns — as upstream's plugin does through its privileged loopback client — and the extension
may come before or after the image group's in the extension tuple.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from imagestreams import errors
from imagestreams.api import scheme
from imagestreams.api.image_v1 import GROUP, VERSION
from imagestreams.resources.imagepolicy.podspecs import COVERED, admit
from imagestreams.resources.imagepolicy.resolve import Obj
from imagestreams.resources.imagepolicy.webhook import WEBHOOK_INFO, ImagePolicyWebhook
from imagestreams.resources.install import Installed, ResourceKey
from imagestreams.rest.context import RequestContext
from imagestreams.rest.resource import Resource
from imagestreams.rest.store import Admission

__all__ = ["WEBHOOK_KEY", "ResourcesLookup", "admission_step", "imagepolicy_extension"]

WEBHOOK_KEY: ResourceKey = (WEBHOOK_INFO.group, WEBHOOK_INFO.version, WEBHOOK_INFO.plural, "")


@dataclass
class ResourcesLookup:
    """``resolve.ImageLookup`` over the served image resources, read as the system."""

    resources: Mapping[ResourceKey, Resource]

    def _resource(self, plural: str, name: str) -> Resource:
        found = self.resources.get((GROUP, VERSION, plural, ""))
        if found is None:
            raise errors.NotFound(f"the server could not find the requested resource ({name})")
        return found

    async def image_stream_tag(self, namespace: str, name: str) -> Obj:
        resource = self._resource("imagestreamtags", name)
        return await resource.get(RequestContext(namespace=namespace), name)

    async def image_stream(self, namespace: str, name: str) -> Obj:
        resource = self._resource("imagestreams", name)
        return await resource.get(RequestContext(namespace=namespace), name)


def admission_step(lookup: ResourcesLookup) -> Admission:
    """The ``GenericStore.admission`` step: local-name resolution on create and update."""

    async def step(
        ctx: RequestContext, info: scheme.ResourceInfo, obj: Obj, old: Obj | None
    ) -> None:
        namespace = (obj.get("metadata") or {}).get("namespace") or ctx.namespace
        await admit(lookup, (info.group, info.plural), str(namespace), obj, old)

    return step


def imagepolicy_extension(installed: Installed) -> None:
    """Add the admission step to pods and the pod-template kinds; serve the webhook."""
    lookup = ResourcesLookup(installed.resources)
    step = admission_step(lookup)
    for (group, _, plural, subresource), store in installed.stores.items():
        if not subresource and (group, plural) in COVERED:
            store.admission.append(step)
    installed.add(WEBHOOK_KEY, ImagePolicyWebhook(lookup))
