"""The image policy as a Kubernetes mutating admission webhook, answered from our image streams.

A real cluster's kube-apiserver can call ``POST /apis/admission.imagestreams.io/v1/imagepolicies``
with an ``admission.k8s.io/v1`` AdmissionReview (the path of an aggregated admission server, as
openshift/generic-admission-server serves them): the answer is the same AdmissionReview with a
``response`` whose ``patch`` (base64 JSONPatch, ``patchType: JSONPatch``) rewrites the images the
in-process admission step would rewrite, using this server's image streams. A refusal (a covered
object without a pod template) comes back as ``allowed: false`` with the Status upstream returns.

It is a create-only, cluster-scoped virtual resource, so authentication and RBAC apply as to any
other request: the webhook's kubeconfig needs a token allowed to ``create``
``imagepolicies.admission.imagestreams.io``. Its objects are AdmissionReviews of
``admission.k8s.io/v1`` although the path is ``admission.imagestreams.io/v1``, which is what
``ReviewInfo.api_version`` tells the generic body check.
"""

from __future__ import annotations

import base64
from typing import Any

import msgspec

from imagestreams import errors
from imagestreams.api import scheme
from imagestreams.resources.imagepolicy.podspecs import ImageChange, admit, json_pointer
from imagestreams.resources.imagepolicy.resolve import ImageLookup
from imagestreams.rest.context import RequestContext
from imagestreams.rest.resource import Resource

__all__ = ["REVIEW_API_VERSION", "WEBHOOK_INFO", "ImagePolicyWebhook", "ReviewInfo", "json_patch"]

Obj = dict[str, Any]

REVIEW_API_VERSION = "admission.k8s.io/v1"
_OPERATIONS = ("CREATE", "UPDATE")


class ReviewInfo(scheme.ResourceInfo):
    """A ``ResourceInfo`` whose request and response bodies are AdmissionReviews."""

    __slots__ = ()

    @property
    def api_version(self) -> str:
        return REVIEW_API_VERSION


WEBHOOK_INFO = ReviewInfo(
    group="admission.imagestreams.io",
    version="v1",
    kind="AdmissionReview",
    plural="imagepolicies",
    namespaced=False,
    verbs=("create",),
)


def json_patch(changes: list[ImageChange]) -> list[Obj]:
    """One ``replace`` per rewritten image."""
    return [{"op": "replace", "path": json_pointer(c.path), "value": c.new} for c in changes]


def _bad(message: str) -> errors.BadRequest:
    return errors.BadRequest(f"invalid AdmissionReview: {message}")


def _object(value: Any, what: str) -> Obj:
    if not isinstance(value, dict):
        raise _bad(f"request.{what} must be an object")
    return value


class ImagePolicyWebhook(Resource):
    """``create`` answers one AdmissionReview."""

    def __init__(self, lookup: ImageLookup, info: scheme.ResourceInfo = WEBHOOK_INFO) -> None:
        super().__init__(info)
        self.lookup = lookup

    async def create(self, ctx: RequestContext, obj: Obj) -> Obj:
        request = obj.get("request")
        if not isinstance(request, dict):
            raise _bad("request is required")
        uid = request.get("uid")
        if not isinstance(uid, str) or not uid:
            raise _bad("request.uid is required")
        return {
            "apiVersion": REVIEW_API_VERSION,
            "kind": "AdmissionReview",
            "response": await self.review(request),
        }

    async def review(self, request: Obj) -> Obj:
        """The AdmissionResponse for one AdmissionRequest."""
        response: Obj = {"uid": request["uid"], "allowed": True}
        operation = request.get("operation")
        if operation not in _OPERATIONS or request.get("subResource"):
            return response
        resource = request.get("resource")
        if not isinstance(resource, dict):
            raise _bad("request.resource is required")
        gr = (str(resource.get("group") or ""), str(resource.get("resource") or ""))
        new = _object(request.get("object"), "object")
        old = _object(request.get("oldObject"), "oldObject") if operation == "UPDATE" else None
        namespace = request.get("namespace") or (new.get("metadata") or {}).get("namespace") or ""
        try:
            changes = await admit(self.lookup, gr, str(namespace), new, old)
        except errors.ApiError as exc:
            return {"uid": request["uid"], "allowed": False, "status": exc.status()}
        if changes:
            patch = msgspec.json.encode(json_patch(changes))
            response["patchType"] = "JSONPatch"
            response["patch"] = base64.b64encode(patch).decode("ascii")
        return response
