"""LimitRanges: their quantities are decoded as kube decodes them.

Everything else about a LimitRange is kept as given, but a quantity kube's ``resource.Quantity``
cannot parse (``1K``, ``1 Gi``) fails the whole request with 400 at decode time, as it does in
kube-apiserver, instead of being stored and then silently ignored by the image limits and the
pruner that read it.
"""

from __future__ import annotations

from imagestreams import errors
from imagestreams.rest.context import RequestContext
from imagestreams.rest.strategy import Obj, Strategy
from imagestreams.validation import quantity

__all__ = ["LimitRangeStrategy"]

_QUANTITY_MAPS = ("max", "min", "default", "defaultRequest", "maxLimitRequestRatio")


def _check_quantities(obj: Obj) -> None:
    spec = obj.get("spec")
    limits = spec.get("limits") if isinstance(spec, dict) else None
    for item in limits if isinstance(limits, list) else ():
        if not isinstance(item, dict):
            continue
        for name in _QUANTITY_MAPS:
            values = item.get(name)
            for value in values.values() if isinstance(values, dict) else ():
                try:
                    quantity.parse_quantity(value)
                except quantity.QuantityError as exc:
                    raise errors.BadRequest(
                        f'LimitRange in version "v1" cannot be handled as a LimitRange: {exc}'
                    ) from None


class LimitRangeStrategy(Strategy):
    def prepare_for_create(self, ctx: RequestContext, obj: Obj) -> None:
        super().prepare_for_create(ctx, obj)
        _check_quantities(obj)

    def prepare_for_update(self, ctx: RequestContext, new: Obj, old: Obj) -> None:
        super().prepare_for_update(ctx, new, old)
        _check_quantities(new)
