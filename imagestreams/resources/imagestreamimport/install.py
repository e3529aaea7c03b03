"""Registering ``imagestreamimports`` into an ``Installed`` resource set.

The composition root builds one :class:`ImportSettings` (the shared importer, the server-wide
credentials) and passes ``import_extension(settings)`` to ``resources.install.build`` *after* the
image group's extension: the ISI resource reads streams through the image group's main store,
writes them through an internal writer (spec and status together, upstream's
``InternalStrategy``) built from the same store's strategy and configuration, creates Images
through the images store and reads pull secrets through the generic secrets store.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from imagestreams.api import scheme
from imagestreams.api.image_v1 import GROUP, VERSION
from imagestreams.importer.importer import Importer
from imagestreams.oci.credentials import Keyring
from imagestreams.resources.image.imagestream_store import ImageStreamStore
from imagestreams.resources.image.imagestream_strategy import ImageStreamStrategy
from imagestreams.resources.imagestreamimport.rest import ImageStreamImportREST
from imagestreams.resources.install import Installed
from imagestreams.rest.store import StorageObserver

__all__ = ["ImportSettings", "import_extension", "internal_writer"]


@dataclass
class ImportSettings:
    """Server-wide import configuration (flags of ``imagestreams serve``)."""

    importer: Importer = field(default_factory=Importer)
    server_credentials: Keyring | None = None


def internal_writer(
    streams: ImageStreamStore, observe: StorageObserver | None = None
) -> ImageStreamStore:
    """A store over the same keys that writes spec *and* status (upstream ``InternalREST``)."""
    strategy = streams.strategy
    if not isinstance(strategy, ImageStreamStrategy):
        raise TypeError("the imagestreams store does not use ImageStreamStrategy")
    return ImageStreamStore(
        streams.info,
        ImageStreamStrategy(streams.info, strategy.config, internal=True),
        streams.storage,
        limit_source=streams.limit_source,
        namespace_check=streams.namespace_check,
        observe=observe,
    )


def import_extension(settings: ImportSettings) -> Callable[[Installed], None]:
    """The ``install.build`` extension adding ``image.openshift.io/v1 imagestreamimports``."""

    def extend(installed: Installed) -> None:
        info = scheme.find(GROUP, VERSION, "imagestreamimports")
        if info is None:
            raise RuntimeError("imagestreamimports is not in the scheme")
        streams = installed.stores.get((GROUP, VERSION, "imagestreams", ""))
        images = installed.stores.get((GROUP, VERSION, "images", ""))
        secrets = installed.stores.get(("", "v1", "secrets", ""))
        if not isinstance(streams, ImageStreamStore) or images is None or secrets is None:
            raise RuntimeError(
                "import_extension needs the image group (imagestreams, images) and secrets"
            )
        strategy = streams.strategy
        assert isinstance(strategy, ImageStreamStrategy)
        config = strategy.config
        installed.add(
            (GROUP, VERSION, "imagestreamimports", ""),
            ImageStreamImportREST(
                info,
                streams=streams,
                writer=internal_writer(streams, installed.observe),
                images=images,
                secrets=secrets,
                importer=settings.importer,
                server_credentials=settings.server_credentials,
                whitelister=config.whitelister(),
                import_mode=config.import_mode,
            ),
        )

    return extend
