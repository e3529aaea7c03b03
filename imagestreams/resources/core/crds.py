"""``customresourcedefinitions``: served as an always-empty, read-only list.

We serve no custom resources, but kubectl asks: when it validates a kind it cannot find in the
OpenAPI documents (the create-only image kinds, the access reviews), it lists CRDs to learn
whether the kind is a custom one. An empty list answers "no", exactly what a cluster without
CRDs says, and kubectl then leaves validation to the server.
"""

from __future__ import annotations

from imagestreams import errors
from imagestreams.rest.context import RequestContext
from imagestreams.rest.options import ListOptions
from imagestreams.rest.resource import Obj, Resource
from imagestreams.storage import interface as st

__all__ = ["CustomResourceDefinitions"]


class CustomResourceDefinitions(Resource):
    def __init__(self, info: object, storage: st.Storage) -> None:
        super().__init__(info)  # type: ignore[arg-type]
        self.storage = storage

    async def get(self, ctx: RequestContext, name: str) -> Obj:
        raise errors.NotFound.for_resource(self.info.plural, self.info.group, name)

    async def list(self, ctx: RequestContext, opts: ListOptions) -> Obj:
        revision = await self.storage.current_revision()
        return {
            "kind": self.info.list_kind_name,
            "apiVersion": self.info.api_version,
            "metadata": {"resourceVersion": str(revision)},
            "items": [],
        }
