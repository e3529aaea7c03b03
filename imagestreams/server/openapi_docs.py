"""Descriptions ``kubectl explain`` prints for the ``image.openshift.io/v1`` schemas.

The generated schemas (``server.openapi_models``) take their shape from the msgspec models, whose
docstrings describe our implementation rather than the API, so the user-facing text lives here:
one entry per type (``"TagReference"``) or field (``"TagReference.importPolicy"``), named as
the model types are (``ObjectReference`` is core/v1's), written to say what upstream's field
documentation says about meaning and defaults. A key that names no generated type or property
fails the schema build (and its unit test), so entries cannot rot.
"""

from __future__ import annotations

__all__ = ["IMAGE_DESCRIPTIONS", "IMAGE_REQUIRED"]

_OBJECT_META = "Standard object's metadata."

IMAGE_DESCRIPTIONS: dict[str, str] = {
    # -- ImageStream --------------------------------------------------------------------------
    "ImageStream": "An ImageStream maps tags to images, keeps the history of each tag in status "
    "and may track images in external registries through its spec tags.",
    "ImageStream.metadata": _OBJECT_META,
    "ImageStream.spec": "Spec describes the desired state of this stream.",
    "ImageStream.status": "Status describes the current state of this stream.",
    "ImageStreamSpec": "ImageStreamSpec holds the options of an ImageStream.",
    "ImageStreamSpec.lookupPolicy": "lookupPolicy controls how other resources in this namespace "
    "can reference images of this stream by short name.",
    "ImageStreamSpec.dockerImageRepository": "Deprecated: an external repository backing this "
    "stream. Set spec.tags[].from on each tag instead.",
    "ImageStreamSpec.tags": "tags map tag names to the images they should track, merged by name.",
    "ImageLookupPolicy": "ImageLookupPolicy says whether short image references in this namespace "
    "resolve to this stream.",
    "ImageLookupPolicy.local": "local resolves short references (like 'mysql' or 'php:latest') "
    "that match this stream to the tagged image, within the stream's namespace only.",
    "TagReference": "TagReference names a tag and optionally what it tracks: an ImageStreamTag, "
    "an ImageStreamImage or a DockerImage.",
    "TagReference.name": "Name of the tag.",
    "TagReference.annotations": "Annotations applied to images retrieved through this tag.",
    "TagReference.from": "The image this tag points to: kind ImageStreamTag (a tag of this "
    "stream), ImageStreamImage or DockerImage.",
    "TagReference.reference": "If true, the image is referenced in place and not imported. "
    "Defaults to false.",
    "TagReference.generation": "The stream generation at which this tag last changed; set it to "
    "0 to ask for a new import. Omitted, the stored value is kept.",
    "TagReference.importPolicy": "How the server imports images for this tag.",
    "TagReference.referencePolicy": "How other components should pull the image of this tag.",
    "TagImportPolicy": "TagImportPolicy controls how images of a tag are imported.",
    "TagImportPolicy.insecure": "Allow plain HTTP or unverified certificates while importing.",
    "TagImportPolicy.scheduled": "Re-import the tag periodically to keep it up to date.",
    "TagImportPolicy.importMode": "How a manifest is imported: Legacy (a single sub-manifest of a "
    "manifest list, the default) or PreserveOriginal (the whole list).",
    "TagReferencePolicy": "TagReferencePolicy says how pull specs of a tag are generated when "
    "triggers resolve it.",
    "TagReferencePolicy.type": "Source (the default) pulls from the image's original location; "
    "Local pulls through the integrated registry.",
    "ImageStreamStatus": "ImageStreamStatus is the observed state of an ImageStream.",
    "ImageStreamStatus.dockerImageRepository": "Where this stream can be pulled from inside the "
    "cluster; empty until the server knows its registry.",
    "ImageStreamStatus.publicDockerImageRepository": "Where this stream can be pulled from outside "
    "the cluster, if the registry is exposed.",
    "ImageStreamStatus.tags": "The history of images of each tag, newest first, merged by tag.",
    "NamedTagEventList": "NamedTagEventList is the image history of one tag.",
    "NamedTagEventList.tag": "The tag whose history this is.",
    "NamedTagEventList.items": "The images of the tag, the current one first.",
    "NamedTagEventList.conditions": "Conditions of the tag, such as a failed import.",
    "TagEvent": "TagEvent records one image a tag pointed to.",
    "TagEvent.created": "When the tag started pointing to the image.",
    "TagEvent.dockerImageReference": "The pull spec of the image.",
    "TagEvent.image": "The image name (its digest).",
    "TagEvent.generation": "The spec tag generation that produced this entry.",
    "TagEventCondition": "TagEventCondition reports a condition of a tag, such as ImportSuccess.",
    # -- Image --------------------------------------------------------------------------------
    "Image": "An Image is an immutable, content-addressed record of a container image and its "
    "metadata. Images are cluster-scoped.",
    "Image.metadata": _OBJECT_META,
    "Image.dockerImageReference": "The pull spec of this image.",
    "Image.dockerImageMetadata": "The image's configuration and metadata.",
    "Image.dockerImageManifest": "The raw JSON of the manifest.",
    "Image.dockerImageLayers": "The layers of the image, base layer first.",
    "Image.signatures": "Signatures of the image, merged by name.",
    "Image.dockerImageManifests": "The sub-manifests, when the image is a manifest list.",
    "ImageSignature": "ImageSignature holds a signature of an image, named <image>@<signature>.",
    "ImageSignature.conditions": "Observations of the signature's state, merged by type.",
    # -- Virtual views and imports ------------------------------------------------------------
    "ImageStreamTag": "ImageStreamTag is the image a tag of an ImageStream currently points to, "
    "with the tag's spec.",
    "ImageStreamTag.tag": "The spec tag, or null if the tag was only pushed to.",
    "ImageStreamTag.image": "The image the tag points to.",
    "ImageTag": "ImageTag is a full view of one tag: its spec, its history and its image.",
    "ImageTag.spec": "The spec tag, or null if the tag was only pushed to.",
    "ImageTag.status": "The tag's history, or null if nothing was imported or pushed.",
    "ImageTag.image": "The current image of the tag; not set when listing.",
    "ImageStreamImage": "ImageStreamImage is an image of a stream's history, named "
    "<stream>@<digest>.",
    "ImageStreamMapping": "ImageStreamMapping records a pushed image in a tag of the stream named "
    "by its metadata. It can only be created.",
    "ImageStreamMapping.tag": "The tag the image is recorded under.",
    "ImageStreamImport": "ImageStreamImport looks up images in external registries and optionally "
    "imports them into a stream.",
    "ImageStreamImportSpec.import": "If true, the found images are tagged into the stream.",
    "ImageStreamLayers": "ImageStreamLayers lists the blobs of the images in a stream.",
    # -- core/v1 references (the ``from`` of tags and imports) --------------------------------
    "ObjectReference": "ObjectReference points to another object.",
    "ObjectReference.kind": "Kind of the referent; for images ImageStreamTag, ImageStreamImage "
    "or DockerImage.",
    "ObjectReference.namespace": "Namespace of the referent; defaults to the referring object's.",
    "ObjectReference.name": "Name of the referent; for DockerImage a pull spec.",
    "ObjectReference.uid": "UID of the referent.",
    "ObjectReference.apiVersion": "API version of the referent.",
    "ObjectReference.resourceVersion": "Specific resourceVersion of the referent.",
    "ObjectReference.fieldPath": "A field within the referent, for a part of an object.",
    "LocalObjectReference": "LocalObjectReference names an object in the same namespace.",
    "LocalObjectReference.name": "Name of the referent.",
}

IMAGE_REQUIRED: dict[str, tuple[str, ...]] = {
    "ImageImportSpec": ("from",),
    "ImageImportStatus": ("status",),
    "ImageLayer": ("name", "size", "mediaType"),
    "ImageLayerData": ("size", "mediaType"),
    "ImageList": ("items",),
    "ImageLookupPolicy": ("local",),
    "ImageManifest": ("digest", "mediaType", "manifestSize", "architecture", "os"),
    "ImageSignature": ("type", "content"),
    "ImageStreamImage": ("image",),
    "ImageStreamImport": ("spec", "status"),
    "ImageStreamImportSpec": ("import",),
    "ImageStreamLayers": ("blobs", "images"),
    "ImageStreamList": ("items",),
    "ImageStreamMapping": ("image", "tag"),
    "ImageStreamTag": ("tag", "generation", "lookupPolicy", "image"),
    "ImageStreamTagList": ("items",),
    "ImageTag": ("spec", "status", "image"),
    "ImageTagList": ("items",),
    "NamedTagEventList": ("tag", "items"),
    "RepositoryImportSpec": ("from",),
    "SignatureCondition": ("type", "status"),
    "SignatureSubject": ("publicKeyID",),
    "TagEvent": ("created", "dockerImageReference", "image", "generation"),
    "TagEventCondition": ("type", "status", "generation"),
    "TagReference": ("name",),
    "TagReferencePolicy": ("type",),
}
"""The ``required`` lists of openshift/api's published image/v1 schemas (fields without
``omitempty`` or ``+optional``), so ``kubectl explain`` marks the same fields ``-required-``."""
