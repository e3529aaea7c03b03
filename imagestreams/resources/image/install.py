"""Registers the ``image.openshift.io/v1`` resources into a ``resources.install.Installed`` set.

``image_extension(...)`` returns the function ``resources.install.build`` calls. Settings that
upstream takes from the server configuration (registry hostnames, allowed registries, default
import mode) are its parameters, so the composition root decides them (flags) and tests can pass
fixed values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from imagestreams.api import image_scheme, scheme
from imagestreams.api.image_v1 import GROUP, IMPORT_MODE_LEGACY, VERSION
from imagestreams.resources.image.backend import Backend, Obj
from imagestreams.resources.image.config import ImageConfig
from imagestreams.resources.image.images import ImageStrategy
from imagestreams.resources.image.imagestream_store import ImageStreamStore, LimitSource
from imagestreams.resources.image.imagestream_strategy import (
    ImageStreamStatusStrategy,
    ImageStreamStrategy,
)
from imagestreams.resources.image.imagestreamimage import ImageStreamImageResource
from imagestreams.resources.image.imagestreammapping import ImageStreamMappingResource
from imagestreams.resources.image.imagestreamtag import ImageStreamTagResource
from imagestreams.resources.image.imagetag import ImageTagResource
from imagestreams.resources.image.layers import LayersResource
from imagestreams.resources.image.secrets import SecretsResource
from imagestreams.resources.image.signatures import ImageSignatureResource
from imagestreams.resources.install import Installed
from imagestreams.rest.context import RequestContext
from imagestreams.rest.options import ListOptions
from imagestreams.rest.store import GenericStore
from imagestreams.validation.whitelist import AllowedRegistry

__all__ = ["IMAGE_RESOURCES", "image_extension"]

IMAGE_RESOURCES = image_scheme.IMAGE_RESOURCES


def _info(plural: str, subresource: str = "") -> scheme.ResourceInfo:
    info = scheme.find(GROUP, VERSION, plural, subresource)
    assert info is not None, (plural, subresource)
    return info


def _limit_source(installed: Installed) -> LimitSource:
    store = installed.stores.get(("", "v1", "limitranges", ""))

    async def limits(namespace: str) -> list[Obj]:
        if store is None:
            return []
        listed = await store.list(RequestContext(namespace=namespace), ListOptions())
        items: list[Obj] = listed["items"]
        return items

    return limits


def image_extension(
    registry_hostname: str = "",
    public_registry_hostname: str = "",
    allowed_registries: Iterable[AllowedRegistry] | None = None,
    import_mode: str = IMPORT_MODE_LEGACY,
) -> Callable[[Installed], None]:
    """The image group, for ``resources.install.build(storage, extensions=(...,))``.

    ``registry_hostname``: internal registry ``host[:port]`` (``status.dockerImageRepository``);
    ``""`` = none. ``public_registry_hostname``: ``status.publicDockerImageRepository``; ``""`` =
    omitted. ``allowed_registries``: ``None`` = import from anywhere. ``import_mode``: the
    default ``importPolicy.importMode`` (``Legacy`` or ``PreserveOriginal``).
    """
    config = ImageConfig(
        registry_hostname=registry_hostname,
        public_registry_hostname=public_registry_hostname,
        allowed_registries=None if allowed_registries is None else tuple(allowed_registries),
        import_mode=import_mode,
    )

    def extend(installed: Installed) -> None:
        storage, observe = installed.storage, installed.observe
        check = installed.namespaces.check
        limit_source = _limit_source(installed)
        stream_info = _info("imagestreams")
        main_strategy = ImageStreamStrategy(stream_info, config)
        streams = ImageStreamStore(
            stream_info, main_strategy, storage, limit_source=limit_source,
            drop_request_status=True, namespace_check=check, observe=observe,
        )  # fmt: skip
        status = ImageStreamStore(
            _info("imagestreams", "status"), ImageStreamStatusStrategy(main_strategy), storage,
            limit_source=limit_source, observe=observe,
        )  # fmt: skip
        internal = ImageStreamStore(
            stream_info, ImageStreamStrategy(stream_info, config, internal=True), storage,
            limit_source=limit_source, namespace_check=check, observe=observe,
        )  # fmt: skip
        images = GenericStore(
            _info("images"), ImageStrategy(_info("images")), storage, observe=observe
        )
        backend = Backend(
            config=config,
            streams=streams,
            internal=internal,
            status=status,
            images=images,
            secrets=installed.stores.get(("", "v1", "secrets", "")),
            limit_source=limit_source,
        )
        key = (GROUP, VERSION)
        installed.add((*key, "images", ""), images)
        installed.add((*key, "imagestreams", ""), streams)
        installed.add((*key, "imagestreams", "status"), status)
        installed.add(
            (*key, "imagestreams", "layers"),
            LayersResource(_info("imagestreams", "layers"), backend),
        )
        installed.add(
            (*key, "imagestreams", "secrets"),
            SecretsResource(_info("imagestreams", "secrets"), backend),
        )
        installed.add(
            (*key, "imagestreamtags", ""), ImageStreamTagResource(_info("imagestreamtags"), backend)
        )
        installed.add((*key, "imagetags", ""), ImageTagResource(_info("imagetags"), backend))
        installed.add(
            (*key, "imagestreamimages", ""),
            ImageStreamImageResource(_info("imagestreamimages"), backend),
        )
        installed.add(
            (*key, "imagestreammappings", ""),
            ImageStreamMappingResource(_info("imagestreammappings"), backend),
        )
        installed.add(
            (*key, "imagesignatures", ""),
            ImageSignatureResource(_info("imagesignatures"), backend),
        )

    return extend
