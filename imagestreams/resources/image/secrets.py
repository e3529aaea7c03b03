"""``imagestreams/{name}/secrets``: the namespace's registry pull secrets (spec 12.2).

Imports and registry pull-through authenticate with these: every ``kubernetes.io/dockercfg`` or
``kubernetes.io/dockerconfigjson`` Secret of the namespace not annotated
``openshift.io/image.excludeSecret: "true"``. The stream name is ignored (the stream need not
exist). The answer is a ``SecretList`` in ``image.openshift.io/v1``.
"""

from __future__ import annotations

from imagestreams.api.image_v1 import ANNOTATION_EXCLUDE_IMAGE_SECRET, GROUP
from imagestreams.resources.image.backend import Backend, Obj
from imagestreams.rest.context import RequestContext
from imagestreams.rest.options import ListOptions, parse_list_options
from imagestreams.rest.resource import Resource

__all__ = ["PULL_SECRET_TYPES", "SecretsResource", "is_pull_secret"]

PULL_SECRET_TYPES = ("kubernetes.io/dockercfg", "kubernetes.io/dockerconfigjson")


def is_pull_secret(secret: Obj) -> bool:
    annotations = (secret.get("metadata") or {}).get("annotations") or {}
    return (
        secret.get("type") in PULL_SECRET_TYPES
        and annotations.get(ANNOTATION_EXCLUDE_IMAGE_SECRET) != "true"
    )


class SecretsResource(Resource):
    def __init__(self, info: object, backend: Backend) -> None:
        super().__init__(info)  # type: ignore[arg-type]
        self.backend = backend

    async def get(self, ctx: RequestContext, name: str) -> Obj:
        return await self.pull_secrets(ctx, parse_list_options(ctx.query))

    async def pull_secrets(self, ctx: RequestContext, opts: ListOptions) -> Obj:
        """The namespace's pull secrets; ``opts`` carries label/field selectors."""
        store = self.backend.secrets
        items: list[Obj] = []
        revision = ""
        if store is not None:
            listed = await store.list(
                RequestContext(namespace=ctx.namespace, user=ctx.user, can=ctx.can),
                ListOptions(label_selector=opts.label_selector, field_selector=opts.field_selector),
            )
            revision = str(listed["metadata"].get("resourceVersion", ""))
            for secret in listed["items"]:
                if is_pull_secret(secret):
                    secret.pop("kind", None)
                    secret.pop("apiVersion", None)
                    items.append(secret)
        return {
            "kind": "SecretList",
            "apiVersion": f"{GROUP}/v1",
            "metadata": {"resourceVersion": revision},
            "items": items,
        }
