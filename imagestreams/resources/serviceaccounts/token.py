"""``POST .../serviceaccounts/<name>/token``: the TokenRequest subresource.

What ``kubectl create token <sa>`` calls. The account must exist; ``expirationSeconds`` defaults to
one hour and must be at least ten minutes and at most 2^32 seconds; empty ``audiences`` mean the
API server's own; a ``boundObjectRef`` (a Pod or Secret in the same namespace) must exist and is
recorded in the token. The response is the TokenRequest with ``status.token`` and
``status.expirationTimestamp`` (``pkg/registry/core/serviceaccount/storage/token.go``).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, Protocol

from imagestreams import errors
from imagestreams.api import scheme
from imagestreams.rest.context import RequestContext
from imagestreams.rest.resource import Obj, Resource
from imagestreams.rest.store import GenericStore
from imagestreams.validation import field

__all__ = ["DEFAULT_EXPIRATION", "MIN_EXPIRATION", "TokenIssuer", "TokenRequestResource"]

DEFAULT_EXPIRATION = 3600
MIN_EXPIRATION = 600
MAX_EXPIRATION = 1 << 32


class TokenIssuer(Protocol):
    """Signs tokens (``server.satokens.TokenSigner`` implements it)."""

    api_audiences: tuple[str, ...]

    def issue(
        self,
        namespace: str,
        name: str,
        uid: str,
        *,
        audiences: tuple[str, ...] = (),
        expiration_seconds: int = 3600,
        bound: Mapping[str, str] | None = None,
    ) -> tuple[str, int]: ...


def _rfc3339(seconds: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


class TokenRequestResource(Resource):
    """Create-only subresource of ``serviceaccounts``."""

    def __init__(
        self,
        info: scheme.ResourceInfo,
        accounts: GenericStore,
        issuer: TokenIssuer,
        bound_stores: Mapping[str, GenericStore],
    ) -> None:
        super().__init__(info)
        self.accounts = accounts
        self.issuer = issuer
        self.bound_stores = bound_stores

    def _validate(self, spec: dict[str, Any]) -> tuple[int, tuple[str, ...]]:
        errs: list[field.FieldError] = []
        path = field.FieldPath.root("spec")
        seconds = spec.get("expirationSeconds")
        if seconds is None:
            seconds = DEFAULT_EXPIRATION
        if not isinstance(seconds, int) or isinstance(seconds, bool):
            errs.append(field.invalid(path.child("expirationSeconds"), seconds,
                                      "must be an integer"))  # fmt: skip
            seconds = DEFAULT_EXPIRATION
        elif seconds < MIN_EXPIRATION:
            errs.append(
                field.invalid(
                    path.child("expirationSeconds"),
                    seconds,
                    "may not specify a duration less than 10 minutes",
                )
            )
        elif seconds > MAX_EXPIRATION:
            errs.append(
                field.invalid(
                    path.child("expirationSeconds"),
                    seconds,
                    "may not specify a duration larger than 2^32 seconds",
                )
            )
        raw = spec.get("audiences") or []
        audiences = tuple(a for a in raw if isinstance(a, str)) if isinstance(raw, list) else ()
        if errs:
            raise errors.Invalid("TokenRequest", "authentication.k8s.io", "", errs)
        return seconds, audiences

    async def _bound(self, ctx: RequestContext, spec: dict[str, Any]) -> dict[str, str] | None:
        ref = spec.get("boundObjectRef")
        if not isinstance(ref, dict):
            return None
        kind, name = str(ref.get("kind", "")), str(ref.get("name", ""))
        store = self.bound_stores.get(kind)
        if store is None:
            raise errors.BadRequest(f"cannot bind token to object of type {kind}")
        obj = await store.get(ctx, name)
        uid = obj.get("metadata", {}).get("uid", "")
        if ref.get("uid") and ref["uid"] != uid:
            raise errors.Conflict.for_resource(
                store.info.plural, "", name,
                f"the UID in the bound object reference ({ref['uid']}) does not match the UID in "
                f"record. The object might have been deleted and then recreated",
            )  # fmt: skip
        return {"kind": kind, "name": name, "uid": uid}

    async def create(self, ctx: RequestContext, obj: Obj) -> Obj:
        md = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
        name = str((md or {}).get("name", ""))
        account = await self.accounts.get(ctx, name)
        spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
        assert isinstance(spec, dict)
        seconds, audiences = self._validate(spec)
        bound = await self._bound(ctx, spec)
        uid = account.get("metadata", {}).get("uid", "")
        token, exp = self.issuer.issue(
            ctx.namespace, name, uid, audiences=audiences, expiration_seconds=seconds, bound=bound
        )
        out_spec: dict[str, Any] = {
            "audiences": list(audiences or self.issuer.api_audiences),
            "expirationSeconds": seconds,
            "boundObjectRef": spec.get("boundObjectRef"),
        }
        return {
            "kind": "TokenRequest",
            "apiVersion": "authentication.k8s.io/v1",
            "metadata": {
                "name": name,
                "namespace": ctx.namespace,
                "creationTimestamp": _rfc3339(int(time.time())),
            },
            "spec": out_spec,
            "status": {"token": token, "expirationTimestamp": _rfc3339(exp)},
        }
