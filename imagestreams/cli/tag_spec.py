"""The ``oc tag`` command line as data: the source/destination grammar and the spec tag it writes.

Everything here is pure so that oc's rules can be tested as tables without a server: the
source kind inference (``stream:tag`` ImageStreamTag, ``stream@digest`` ImageStreamImage, a
registry host, ``--source=docker`` or a bare name DockerImage), ``ns/`` prefixes, the
client-side pinning of an ImageStreamTag source to its current image, oc's ``Validate`` order
and messages, the spec tag (DockerImage sources get ``generation: 0`` so the server re-imports)
and the line printed afterwards. :mod:`imagestreams.cli.tag` talks to the server.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from imagestreams.api.reference import (
    DockerImageReference,
    InvalidReference,
    split_image_stream_tag,
)
from imagestreams.cli.common import CommandError, go_quote

__all__ = [
    "TAG_NAME",
    "Destination",
    "TagOptions",
    "TagSource",
    "build_tag_reference",
    "parse_destination",
    "parse_source",
    "resolve_source",
    "source_kind_from_flag",
    "split_destination",
    "tag_message",
    "validate",
]

Obj = dict[str, Any]
_VALID_SOURCES = "docker, dockerimage, imagestreamimage, imagestreamtag, isimage, istag"
_SOURCE_KINDS = {
    **dict.fromkeys(("imagestreamtag", "imagestreamtags", "istag"), "ImageStreamTag"),
    **dict.fromkeys(("imagestreamimage", "imagestreamimages", "isimage"), "ImageStreamImage"),
    **dict.fromkeys(("docker", "dockerimage"), "DockerImage"),
}
TAG_NAME = re.compile(r"\w[\w.-]{0,127}", re.ASCII)
"""oc's ``validateTag`` pattern for destination tag names."""


@dataclass(frozen=True, slots=True)
class TagSource:
    kind: str
    ref: DockerImageReference


@dataclass(frozen=True, slots=True)
class Destination:
    namespace: str
    name_and_tag: str


@dataclass(frozen=True, slots=True)
class TagOptions:
    """The parsed command line after oc's ``Complete`` (``source`` None when deleting)."""

    namespace: str
    destinations: tuple[Destination, ...]
    source: TagSource | None = None
    source_flag: str = ""
    delete: bool = False
    alias: bool = False
    reference: bool = False
    scheduled: bool = False
    insecure: bool = False
    reference_policy: str = "source"
    import_mode: str = ""


def source_kind_from_flag(flag: str) -> str:
    """``--source`` to a kind as oc's REST mapper lookup does; a bad value is oc's ``UsageErrorf``
    (exit 1, with the ``-h`` hint)."""
    kind = _SOURCE_KINDS.get(flag.lower())
    if kind is None:
        raise CommandError(
            f"invalid source {go_quote(flag)}; valid values are {_VALID_SOURCES}", hint=True
        )
    return kind


def parse_source(source: str, kind: str, namespace: str) -> TagSource:
    """The source argument with its kind (``kind`` "" = infer as oc does)."""
    try:
        ref = DockerImageReference.parse(source)
    except InvalidReference as exc:
        raise CommandError(f"invalid SOURCE: {exc}") from None
    if kind in ("ImageStreamTag", "ImageStreamImage"):
        if ref.registry:
            raise CommandError("server in SOURCE is only allowed when providing a container image")
        if ref.namespace == "library":
            ref = replace(ref, namespace=namespace)
        if kind == "ImageStreamTag" and not ref.tag:
            raise CommandError("--source=ImageStreamTag requires a valid <name>:<tag> in SOURCE")
        if kind == "ImageStreamImage" and not ref.id:
            raise CommandError("--source=ImageStreamImage requires a valid <name>@<id> in SOURCE")
    elif not kind:
        if ref.registry:
            kind = "DockerImage"
        elif ref.id:
            kind = "ImageStreamImage"
        elif ref.tag:
            kind = "ImageStreamTag"
        else:
            kind = "DockerImage"
    return TagSource(kind, ref)


def resolve_source(source: TagSource, stream: Obj, arg: str) -> TagSource:
    """Pin an ImageStreamTag source to what its tag points at now (oc without ``--alias``)."""
    name = source.ref.tag or "latest"
    items: list[Obj] = []
    for status_tag in (stream.get("status") or {}).get("tags") or ():
        if status_tag.get("tag") == name:
            items = list(status_tag.get("items") or ())
            break
    if not items:
        raise CommandError(
            f"{go_quote(arg)} is not currently pointing to an image, cannot use it as the source"
            " of a tag"
        )
    event = items[0]
    image = str(event.get("image") or "")
    if image:
        return TagSource("ImageStreamImage", replace(source.ref, id=image, tag=""))
    try:
        ref = DockerImageReference.parse(str(event.get("dockerImageReference") or ""))
    except InvalidReference as exc:
        raise CommandError(
            f"the image stream tag {go_quote(arg)} has an invalid pull spec and cannot be used to"
            f" tag: {exc}"
        ) from None
    return TagSource("DockerImage", ref)


def parse_destination(arg: str, namespace: str) -> Destination:
    """``[ns/]stream:tag`` (oc's ``parseStreamName``; the ``:tag`` is checked per destination)."""
    if "/" not in arg:
        return Destination(namespace, arg)
    parts = arg.split("/")
    if len(parts) != 2:
        raise CommandError(f"invalid image stream {go_quote(arg)}")
    if not parts[0]:
        raise CommandError(
            f"invalid namespace {go_quote(parts[0])} for image stream {go_quote(arg)}"
        )
    if not parts[1]:
        raise CommandError(f"invalid name {go_quote(parts[1])} for image stream {go_quote(arg)}")
    return Destination(parts[0], parts[1])


def split_destination(dest: Destination) -> tuple[str, str]:
    name, tag_name, ok = split_image_stream_tag(dest.name_and_tag)
    if not ok:
        raise CommandError(f"{go_quote(dest.name_and_tag)} must be of the form <stream_name>:<tag>")
    return name, tag_name


def validate(opts: TagOptions) -> TagOptions:
    """oc's ``Validate``; returns the options with the import mode defaulted."""
    if opts.delete and opts.alias:
        raise CommandError("--alias and --delete may not be both specified")
    if opts.reference_policy not in ("source", "local"):
        raise CommandError("reference policy must be set to 'source' or 'local'")
    if opts.delete:
        if opts.source_flag:
            raise CommandError("cannot specify a source kind when deleting")
        if opts.scheduled or opts.insecure:
            raise CommandError("cannot set flags for importing images when deleting a tag")
        if opts.import_mode:
            raise CommandError("cannot specify an import mode when deleting")
    if not opts.destinations:
        raise CommandError("at least a destination is required")
    kind = opts.source.kind if opts.source else ""
    if kind != "DockerImage" and (opts.scheduled or opts.insecure):
        raise CommandError("only container images can have importing flags set")
    if opts.alias:
        if opts.scheduled or opts.insecure:
            raise CommandError(
                "cannot set a container image tag as an alias and also set import flags"
            )
        source_name = opts.source.ref.name if opts.source else ""
        for dest in opts.destinations:
            if dest.namespace != opts.namespace:
                raise CommandError("cannot set alias across different Image Streams")
            if split_destination(dest)[0] != source_name:
                raise CommandError("cannot set alias across different Image Streams")
    if opts.import_mode not in ("", "Legacy", "PreserveOriginal"):
        raise CommandError("valid ImportMode values are Legacy or PreserveOriginal")
    return replace(opts, import_mode=opts.import_mode or "Legacy")


def build_tag_reference(opts: TagOptions, dest: Destination) -> Obj:
    """The spec tag oc writes for ``dest`` (``opts.source`` must be set)."""
    assert opts.source is not None
    source, (_, tag_name) = opts.source, split_destination(dest)
    from_: Obj = {"kind": source.kind}
    spec: Obj = {
        "name": tag_name,
        "from": from_,
        "importPolicy": {"importMode": opts.import_mode or "Legacy"},
        "referencePolicy": {"type": "Local" if opts.reference_policy == "local" else "Source"},
    }
    if opts.reference:
        spec["reference"] = True
    if opts.insecure:
        spec["importPolicy"]["insecure"] = True
    if opts.scheduled:
        spec["importPolicy"]["scheduled"] = True
    if source.kind == "DockerImage":
        from_["name"] = source.ref.exact()
        spec["generation"] = 0
    else:
        from_["name"] = source.ref.name_string()
        namespace = source.ref.namespace
        if not namespace and dest.namespace != opts.namespace:
            namespace = opts.namespace
        if namespace:
            from_["namespace"] = namespace
    return spec


def tag_message(opts: TagOptions, dest: Destination) -> str:
    """The line oc prints after setting ``dest``."""
    assert opts.source is not None
    target = dest.name_and_tag
    if dest.namespace != opts.namespace:
        target = f"{dest.namespace}/{target}"
    source = opts.source.ref.exact()
    if opts.alias:
        return f"Tag {target} set up to track {source}."
    if opts.scheduled:
        if dest.namespace == opts.namespace:
            return f"Tag {target} set to import {source} periodically."
        return f"Tag {target} set to {source} periodically."
    return f"Tag {target} set to {source}."
