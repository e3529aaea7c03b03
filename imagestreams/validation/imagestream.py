"""ImageStream validation (openshift-apiserver ``apis/image/validation``, spec 3.1 and 4.7).

Division of labour with the REST layer: generic ``ObjectMeta`` checks (name/generateName required,
namespace, labels, annotations, immutable fields on update) are run by the store for every kind,
with the strategy's name validator; for image streams that validator is
``validate_image_stream_name`` below. These functions add the image-specific rules: the
``namespace/name`` length limit, ``spec.dockerImageRepository``, spec tags, status history and the
allowed-registries policy (``whitelister``; ``None`` = everything allowed).

Tags are maps upstream (field paths ``spec.tags[<name>]``, duplicates collapse, last wins); errors
are reported in tag-name order so that messages are deterministic.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from imagestreams.api.image_v1 import (
    ANNOTATION_INSECURE_REPOSITORY,
    IMPORT_MODE_LEGACY,
    IMPORT_MODE_PRESERVE_ORIGINAL,
    REFERENCE_POLICY_LOCAL,
    REFERENCE_POLICY_SOURCE,
    ImageStream,
    NamedTagEventList,
    TagImportPolicy,
    TagReference,
)
from imagestreams.api.meta import ObjectMeta
from imagestreams.api.reference import NAME_TOTAL_LENGTH_MAX, DockerImageReference, InvalidReference
from imagestreams.validation import field
from imagestreams.validation.field import FieldError, FieldPath
from imagestreams.validation.whitelist import RegistryWhitelister, Transport

__all__ = [
    "REPOSITORY_NAME_COMPONENT",
    "is_repository_insecure",
    "spec_tags",
    "status_tags",
    "validate_image_stream",
    "validate_image_stream_name",
    "validate_image_stream_status_update",
    "validate_image_stream_update",
    "validate_import_policy",
    "validate_nested_object_meta",
    "validate_path_segment_name",
    "validate_tag_reference",
]

REPOSITORY_NAME_COMPONENT = "[a-z0-9]+(?:[._-][a-z0-9]+)*"
_COMPONENT_RE = re.compile(REPOSITORY_NAME_COMPONENT)
_VALID_IMPORT_MODES = ("", IMPORT_MODE_LEGACY, IMPORT_MODE_PRESERVE_ORIGINAL)
_FROM_KINDS = "valid values are 'DockerImage', 'ImageStreamImage', 'ImageStreamTag'"


def validate_path_segment_name(name: str, prefix: bool) -> list[str]:
    """apimachinery ``path.ValidatePathSegmentName``: names usable as one URL path segment."""
    if not prefix:
        for illegal in (".", ".."):
            if name == illegal:
                return [f"may not be '{illegal}'"]
    return [f"may not contain '{c}'" for c in ("/", "%") if c in name]


def validate_image_stream_name(name: str, prefix: bool) -> list[str]:
    """A path segment that is also one lower-case repository name component."""
    reasons = validate_path_segment_name(name, prefix)
    if reasons:
        return reasons
    if not _COMPONENT_RE.fullmatch(name):
        return [f'must match "{REPOSITORY_NAME_COMPONENT}"']
    return []


def validate_nested_object_meta(
    meta: ObjectMeta,
    path: FieldPath,
    *,
    namespaced: bool,
    name_fn: Callable[[str, bool], list[str]] = validate_path_segment_name,
) -> list[FieldError]:
    """Name/generateName/namespace rules of ``ValidateObjectMeta`` for objects embedded in a
    request (``ImageStreamMapping.image``, ``Image.signatures[i]``), which the REST layer's
    generic metadata validation does not reach. Namespace *values* are left to the REST layer."""
    errs: list[FieldError] = []
    if meta.generate_name:
        errs.extend(
            field.invalid(path.child("generateName"), meta.generate_name, msg)
            for msg in name_fn(meta.generate_name, True)
        )
    if not meta.name:
        errs.append(field.required(path.child("name"), "name or generateName is required"))
    else:
        errs.extend(
            field.invalid(path.child("name"), meta.name, msg) for msg in name_fn(meta.name, False)
        )
    if namespaced and not meta.namespace:
        errs.append(field.required(path.child("namespace")))
    elif not namespaced and meta.namespace:
        errs.append(field.forbidden(path.child("namespace"), "not allowed on this type"))
    return errs


def is_repository_insecure(meta: ObjectMeta) -> bool:
    return meta.annotations.get(ANNOTATION_INSECURE_REPOSITORY) == "true"


def spec_tags(stream: ImageStream) -> dict[str, TagReference]:
    """Spec tags keyed by name, as upstream's internal map (last duplicate wins)."""
    return {tag.name: tag for tag in stream.spec.tags}


def status_tags(stream: ImageStream) -> dict[str, NamedTagEventList]:
    return {entry.tag: entry for entry in stream.status.tags}


def validate_import_policy(policy: TagImportPolicy, path: FieldPath) -> list[FieldError]:
    if policy.import_mode not in _VALID_IMPORT_MODES:
        return [
            field.invalid(
                path.child("importMode"),
                policy.import_mode,
                "invalid import mode, valid modes are '', 'Legacy', 'PreserveOriginal'",
            )
        ]
    return []


def validate_tag_reference(
    tag: TagReference,
    path: FieldPath,
    *,
    insecure_repository: bool = False,
    whitelister: RegistryWhitelister | None = None,
) -> list[FieldError]:
    """``ValidateImageStreamTagReference``: ``from``, scheduling, reference and import policy."""
    errs: list[FieldError] = []
    source = tag.from_
    if source is not None:
        name_path = path.child("from", "name")
        if not source.name:
            errs.append(field.required(name_path))
        if source.kind == "DockerImage":
            ref: DockerImageReference | None = DockerImageReference()
            try:
                ref = DockerImageReference.parse(source.name)
            except InvalidReference as exc:
                if source.name:  # compat: an empty name still reaches the policy check upstream
                    errs.append(field.invalid(name_path, source.name, str(exc)))
                    ref = None
            if ref is not None and whitelister is not None:
                transport = Transport.for_flag(tag.import_policy.insecure or insecure_repository)
                if (msg := whitelister.admit_reference(ref, transport)) is not None:
                    errs.append(field.forbidden(name_path, msg))
        elif source.kind in ("ImageStreamImage", "ImageStreamTag"):
            if tag.import_policy.scheduled:
                errs.append(
                    field.invalid(
                        path.child("importPolicy", "scheduled"),
                        True,
                        "only tags pointing to Docker repositories may be scheduled for background "
                        "import",
                    )
                )
        else:
            errs.append(field.required(path.child("from", "kind"), _FROM_KINDS))
    if tag.reference_policy.type not in (REFERENCE_POLICY_SOURCE, REFERENCE_POLICY_LOCAL):
        errs.append(
            field.invalid(
                path.child("referencePolicy", "type"),
                tag.reference_policy.type,
                f'valid values are "{REFERENCE_POLICY_SOURCE}", "{REFERENCE_POLICY_LOCAL}"',
            )
        )
    errs.extend(validate_import_policy(tag.import_policy, path.child("importPolicy")))
    return errs


def validate_image_stream(
    stream: ImageStream, whitelister: RegistryWhitelister | None = None
) -> list[FieldError]:
    """Image-specific create/update rules (4.7); metadata basics are the REST layer's."""
    errs: list[FieldError] = []
    md = stream.metadata
    if len(f"{md.namespace}/{md.name}") > NAME_TOTAL_LENGTH_MAX:
        errs.append(
            field.invalid(
                FieldPath.root("metadata", "name"),
                md.name,
                f"'namespace/name' cannot be longer than {NAME_TOTAL_LENGTH_MAX} characters",
            )
        )
    insecure_repository = is_repository_insecure(md)
    repository = stream.spec.docker_image_repository
    if repository:
        errs.extend(_validate_repository(repository, insecure_repository, whitelister))
    tags = spec_tags(stream)
    for name in sorted(tags):
        errs.extend(
            validate_tag_reference(
                tags[name],
                FieldPath.root("spec", "tags").key(name),
                insecure_repository=insecure_repository,
                whitelister=whitelister,
            )
        )
    history = status_tags(stream)
    for name in sorted(history):
        spec_tag = tags.get(name)
        insecure = insecure_repository or (spec_tag is not None and spec_tag.import_policy.insecure)
        checked: dict[str, str | None] = {}  # pull spec -> problem; histories repeat specs
        for i, event in enumerate(history[name].items or []):
            spec = event.docker_image_reference
            if spec not in checked:
                checked[spec] = _status_reference_problem(spec, insecure, whitelister)
            problem = checked[spec]
            if problem is None:
                continue
            path = _item_path(name, i).child("dockerImageReference")
            if not spec:
                errs.append(field.required(path))
            elif problem.startswith("forbidden:"):
                errs.append(field.forbidden(path, problem.removeprefix("forbidden:")))
            else:
                errs.append(field.invalid(path, spec, problem))
    return errs


def _status_reference_problem(
    spec: str, insecure: bool, whitelister: RegistryWhitelister | None
) -> str | None:
    """``None`` when a history pull spec is fine, else its parse error or ``forbidden:<msg>``."""
    if not spec:
        return ""
    try:
        ref = DockerImageReference.parse(spec)
    except InvalidReference as exc:
        return str(exc)
    if whitelister is not None:
        msg = whitelister.admit_reference(ref, Transport.for_flag(insecure))
        if msg is not None:
            return f"forbidden:{msg}"
    return None


def _validate_repository(
    repository: str, insecure: bool, whitelister: RegistryWhitelister | None
) -> list[FieldError]:
    path = FieldPath.root("spec", "dockerImageRepository")
    try:
        ref = DockerImageReference.parse(repository)
    except InvalidReference as exc:
        return [field.invalid(path, repository, str(exc))]
    errs: list[FieldError] = []
    if ref.tag:
        errs.append(field.invalid(path, repository, "the repository name may not contain a tag"))
    if ref.id:
        errs.append(field.invalid(path, repository, "the repository name may not contain an ID"))
    if not errs and whitelister is not None:
        msg = whitelister.admit_reference(ref, Transport.for_flag(insecure))
        if msg is not None:
            errs.append(field.forbidden(path, msg))
    return errs


def _exempt(whitelister: RegistryWhitelister, pull_specs: Iterable[str]) -> None:
    for spec in pull_specs:
        try:
            whitelister.whitelist_repository(spec)
        except InvalidReference:
            continue  # invalid old references may still be deleted


def _spec_references(stream: ImageStream) -> list[str]:
    refs = [stream.spec.docker_image_repository] if stream.spec.docker_image_repository else []
    for tag in spec_tags(stream).values():
        if tag.from_ is not None and tag.from_.kind == "DockerImage":
            refs.append(tag.from_.name)
    return refs


def _item_path(tag: str, index: int) -> FieldPath:
    return FieldPath.root("status", "tags").key(tag).child("items").index(index)


def _status_reference_set(stream: ImageStream) -> set[str]:
    return {e.docker_image_reference for entry in stream.status.tags for e in entry.items or ()}


def _status_references(
    stream: ImageStream, skip: set[str]
) -> dict[str, list[tuple[str, int, bool]]]:
    """Every status pull spec not in ``skip`` with the ``(tag, item index)`` holding it and
    whether each is insecure. Paths are built only for errors: histories hold thousands of
    items, almost all of them already known."""
    tags = spec_tags(stream)
    insecure_repository = is_repository_insecure(stream.metadata)
    refs: dict[str, list[tuple[str, int, bool]]] = {}
    history = status_tags(stream)
    for name in sorted(history):
        spec_tag = tags.get(name)
        insecure = insecure_repository or (spec_tag is not None and spec_tag.import_policy.insecure)
        for i, event in enumerate(history[name].items or []):
            if event.docker_image_reference not in skip:
                refs.setdefault(event.docker_image_reference, []).append((name, i, insecure))
    return refs


def validate_image_stream_update(
    new: ImageStream, old: ImageStream, whitelister: RegistryWhitelister | None = None
) -> list[FieldError]:
    """As ``validate_image_stream``; references already in ``old`` are exempt from the policy."""
    if whitelister is not None:
        whitelister = whitelister.copy()
        _exempt(whitelister, _spec_references(old))
        _exempt(whitelister, _status_reference_set(old))
    return validate_image_stream(new, whitelister)


def validate_image_stream_status_update(
    new: ImageStream, old: ImageStream, whitelister: RegistryWhitelister | None = None
) -> list[FieldError]:
    """``/status``: only references not already in the old status are parsed and checked."""
    errs: list[FieldError] = []
    insecure_repository = is_repository_insecure(new.metadata)
    for ref_string, holders in _status_references(new, _status_reference_set(old)).items():
        try:
            ref = DockerImageReference.parse(ref_string)
        except InvalidReference as exc:
            errs.extend(
                field.invalid(
                    _item_path(tag, i).child("dockerImageReference"), ref_string, str(exc)
                )
                for tag, i, _ in holders
            )
            continue
        if whitelister is None:
            continue
        insecure = insecure_repository or any(flag for _, _, flag in holders)
        if (msg := whitelister.admit_reference(ref, Transport.for_flag(insecure))) is not None:
            errs.extend(
                field.forbidden(_item_path(tag, i).child("dockerImageReference"), msg)
                for tag, i, _ in holders
            )
    return errs
