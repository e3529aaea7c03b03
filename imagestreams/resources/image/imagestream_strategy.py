"""ImageStream strategies: the main endpoint, the internal writer and ``/status`` (spec 4).

* Main endpoint (``internal=False``): a create discards the status; an update keeps the stored
  status. Tag generations and ``metadata.generation`` follow 4.3/4.4; tag processing, tracking,
  the cross-namespace check and LimitRanges run in ``validate*`` exactly where upstream runs
  them, and their errors reach the client wrapped in one ``InternalError`` cause of the 422
  (upstream's ``validateTagsAndLimits``), ahead of the plain validation causes.
* Internal writer (``internal=True``): the same, but the status is taken from the new object;
  ImageStreamTag/ImageTag/ImageStreamImport/ImageStreamMapping write through it.
* ``/status``: the whole spec is forced to the stored one (upstream resets only the tags and
  the repository; resetting ``lookupPolicy`` too is the recommended fix of quirk 22.3), zero head
  generations are filled in, only new references are validated, and LimitRange violations are a
  ``Forbidden`` cause at ``imageStream``. No tag processing, no tracking.

Computed status fields never reach storage (``wire.stream_to_storage``) and are recomputed on
every read (``decorate``).
"""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from imagestreams import errors
from imagestreams.api import scheme
from imagestreams.api.image_v1 import GROUP, ImageStream, ImageStreamStatus
from imagestreams.resources.image import columns, limits, tagging, wire
from imagestreams.resources.image.config import ImageConfig
from imagestreams.resources.image.lookups import current
from imagestreams.rest.context import RequestContext
from imagestreams.rest.strategy import Obj, StatusStrategy, Strategy
from imagestreams.validation import field
from imagestreams.validation.field import FieldError
from imagestreams.validation.imagestream import (
    validate_image_stream,
    validate_image_stream_name,
    validate_image_stream_status_update,
    validate_image_stream_update,
)

__all__ = ["ImageStreamStatusStrategy", "ImageStreamStrategy", "limit_error"]


def limit_error(name: str, messages: list[str]) -> errors.Forbidden:
    """``ImageStream.image.openshift.io "<name>" is forbidden: <message(s)>``."""
    text = messages[0] if len(messages) == 1 else "[" + ", ".join(messages) + "]"
    return errors.Forbidden.for_resource("ImageStream", GROUP, name, text)


def _load(obj: Obj, config: ImageConfig) -> ImageStream:
    return wire.normalize_stream(wire.decode_stream(obj), config.import_mode)


def _store(obj: Obj, stream: ImageStream) -> None:
    wire.normalize_stream(stream, "")
    wire.stream_to_storage(obj, stream)
    obj.setdefault("metadata", {})["generation"] = stream.metadata.generation


class ImageStreamStrategy(Strategy):
    has_status = True
    tracks_generation = True
    allow_unconditional_update = False
    name_validator = staticmethod(validate_image_stream_name)
    columns = columns.IMAGE_STREAM_COLUMNS

    def __init__(
        self, info: scheme.ResourceInfo, config: ImageConfig, *, internal: bool = False
    ) -> None:
        super().__init__(info)
        self.config = config
        self.internal = internal

    # -- create -------------------------------------------------------------------------
    def prepare_for_create(self, ctx: RequestContext, obj: Obj) -> None:
        stream = _load(obj, self.config)
        if not self.internal:
            stream.status = ImageStreamStatus()
        tagging.prepare_create_generations(stream)
        _store(obj, stream)

    def validate(self, ctx: RequestContext, obj: Obj) -> list[FieldError]:
        stream = _load(obj, self.config)
        errs = self._tags_and_limits(stream, None)
        errs.extend(validate_image_stream(stream, self.config.whitelister()))
        _store(obj, stream)
        return errs

    # -- update -------------------------------------------------------------------------
    def prepare_for_update(self, ctx: RequestContext, new: Obj, old: Obj) -> None:
        stream, stored = _load(new, self.config), _load(old, self.config)
        if not self.internal:
            stream.status = msgspec.structs.replace(stored.status)
        stream.metadata.generation = stored.metadata.generation
        tagging.prepare_update_generations(stream, stored)
        _store(new, stream)

    def validate_update(self, ctx: RequestContext, new: Obj, old: Obj) -> list[FieldError]:
        stream, stored = _load(new, self.config), _load(old, self.config)
        errs = self._tags_and_limits(stream, stored)
        errs.extend(validate_image_stream_update(stream, stored, self.config.whitelister()))
        _store(new, stream)
        return errs

    def _tags_and_limits(self, stream: ImageStream, old: ImageStream | None) -> list[FieldError]:
        """Upstream ``validateTagsAndLimits``, wrapped into one InternalError cause."""
        lookups = current()
        inner = tagging.verify_tag_sources(stream, old, lookups)
        inner.extend(tagging.process_tags(stream, old, lookups, self.config))
        name = stream.metadata.name
        if inner:
            wrapped = errors.Invalid("imagestreams", "", name, inner)
            return [field.internal("", wrapped.message)]
        exceeded = limits.stream_limit_violations(
            stream, old, lookups.limits(stream.metadata.namespace)
        )
        if exceeded:
            return [field.internal("", limit_error(name, exceeded).message)]
        return []

    # -- read ---------------------------------------------------------------------------
    def decorate(self, obj: Obj) -> None:
        wire.decorate_stream(obj, self.config)

    def field_set(self, obj: Obj) -> Mapping[str, str]:
        fields = dict(super().field_set(obj))
        fields["spec.dockerImageRepository"] = (obj.get("spec") or {}).get(
            "dockerImageRepository", ""
        )
        fields["status.dockerImageRepository"] = (obj.get("status") or {}).get(
            "dockerImageRepository", ""
        )
        return fields


class ImageStreamStatusStrategy(StatusStrategy):
    """``imagestreams/status`` (4.6)."""

    main: ImageStreamStrategy

    def __init__(self, main: ImageStreamStrategy) -> None:
        super().__init__(main)
        self.main = main

    def prepare_for_update(self, ctx: RequestContext, new: Obj, old: Obj) -> None:
        config = self.main.config
        stream, stored = _load(new, config), _load(old, config)
        stream.spec = stored.spec
        stream.metadata.generation = stored.metadata.generation
        tagging.prepare_status_generations(stream, stored)
        _store(new, stream)
        for key in list(new):
            if key not in ("metadata", "spec", "status", "kind", "apiVersion"):
                del new[key]

    def validate_update(self, ctx: RequestContext, new: Obj, old: Obj) -> list[FieldError]:
        config = self.main.config
        stream, stored = _load(new, config), _load(old, config)
        errs: list[FieldError] = []
        exceeded = limits.stream_limit_violations(
            stream, stored, current().limits(stream.metadata.namespace)
        )
        if exceeded:
            message = limit_error(stream.metadata.name, exceeded).message
            errs.append(field.forbidden("imageStream", message))
        errs.extend(validate_image_stream_status_update(stream, stored, config.whitelister()))
        return errs
