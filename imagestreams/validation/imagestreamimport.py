"""ImageStreamImport validation (``ValidateImageStreamImport``, spec 13.2 step 1 and 4.10).

Runs before anything is imported or written: a failing request creates no stream. The import's
``metadata`` is validated generically by the REST layer with the image-stream name rule
(``validate_image_stream_name``). ``validate_registry_allowed_for_import`` is the per-image
allowed-registries check applied to users who may neither create images nor mappings.
"""

from __future__ import annotations

from imagestreams.api.image_v1 import ImageStreamImport
from imagestreams.api.reference import DockerImageReference, InvalidReference
from imagestreams.validation import field
from imagestreams.validation.field import FieldError, FieldPath
from imagestreams.validation.imagestream import validate_import_policy
from imagestreams.validation.whitelist import RegistryWhitelister, Transport

__all__ = ["validate_image_stream_import", "validate_registry_allowed_for_import"]

_ONLY_DOCKER_IMAGE = "only DockerImage is supported"


def validate_image_stream_import(isi: ImageStreamImport) -> list[FieldError]:
    errs: list[FieldError] = []
    images_path = FieldPath.root("spec", "images")
    for i, spec in enumerate(isi.spec.images):
        item = images_path.index(i)
        source = spec.from_
        if source.kind == "DockerImage":
            if spec.to is not None and not spec.to.name:
                errs.append(
                    field.invalid(
                        item.child("to", "name"),
                        spec.to.name,
                        "the name of the target tag must be specified",
                    )
                )
            if not source.name:
                errs.append(field.required(item.child("from", "name")))
            elif source.name == "*":
                continue  # compat: legacy clients look streams up with "*" (and skip the policy)
            else:
                try:
                    DockerImageReference.parse(source.name)
                except InvalidReference as exc:
                    errs.append(field.invalid(item.child("from", "name"), source.name, str(exc)))
        else:
            errs.append(field.invalid(item.child("from", "kind"), source.kind, _ONLY_DOCKER_IMAGE))
        errs.extend(validate_import_policy(spec.import_policy, item.child("importPolicy")))

    repository = isi.spec.repository
    if repository is not None:
        repo_path = FieldPath.root("spec", "repository")
        source = repository.from_
        if source.kind == "DockerImage":
            name_path = repo_path.child("from", "name")
            if not source.name:
                errs.append(field.required(name_path, "container image references require a name"))
            else:
                try:
                    ref = DockerImageReference.parse(source.name)
                except InvalidReference as exc:
                    errs.append(field.invalid(name_path, source.name, str(exc)))
                else:
                    if ref.id or ref.tag:
                        errs.append(
                            field.invalid(
                                name_path,
                                source.name,
                                "you must specify an image repository, not a tag or ID",
                            )
                        )
        else:
            errs.append(
                field.invalid(repo_path.child("from", "kind"), source.kind, _ONLY_DOCKER_IMAGE)
            )
        errs.extend(
            validate_import_policy(repository.import_policy, repo_path.child("importPolicy"))
        )
    if not isi.spec.images and repository is None:
        errs.append(
            field.invalid(
                images_path, None, "you must specify at least one image or a repository import"
            )
        )
    return errs


def validate_registry_allowed_for_import(
    whitelister: RegistryWhitelister, path: FieldPath, registry_host: str, registry_port: str
) -> list[FieldError]:
    """Forbidden ``importing images from registry "<host:port>" is forbidden: <reason>``."""
    hostname = (
        f"[{registry_host}]:{registry_port}"
        if ":" in registry_host
        else f"{registry_host}:{registry_port}"
    )
    reason = whitelister.admit_hostname(hostname, Transport.SECURE)
    if reason is None:
        return []
    return [
        field.forbidden(path, f'importing images from registry "{hostname}" is forbidden: {reason}')
    ]
