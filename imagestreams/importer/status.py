"""Registry failures as the ``metav1.Status`` objects an ``ImageStreamImport`` reports (§13.5).

Users and controllers read these: the import controller copies ``reason`` and ``message`` into
the tag's ``ImportSuccess=False`` condition, ``oc describe is`` shows them, scripts match on the
reason. So the texts are upstream's (``formatRepositoryError`` / ``formatPingError`` /
``NewInternalError`` in openshift-apiserver's importer):

* manifest or repository unknown: 404 ``NotFound``,
  ``dockerimage.image.openshift.io "<ref>" not found``;
* the registry answers 401 (``UNAUTHORIZED``), with or without credentials: ``Unauthorized``,
  ``you may not have access to the container image "<ref>"``;
* a bearer token server refuses and its answer ends in ``incorrect username or password``
  (Docker Hub's ``{"details": ...}``): ``Unauthorized``,
  ``incorrect username or password for image "<ref>"`` -- the text the anonymous retry looks
  for; any other refusal of a token server is an ``InternalError`` naming the request, as Go's
  ``url.Error`` does: ``<ref>: Get "<url>": unauthorized: authentication required``;
* the registry's certificate fails verification: ``InternalError`` with Go's ping error,
  ``<ref>: Get "https://<host>/v2/": tls: failed to verify certificate: x509: ...``;
* TLS spoken to a plain-HTTP registry: 400 ``BadRequest``,
  ``the repository <repo> is HTTP only and requires the insecure flag to import``;
* no v2 API: 403 ``NotV2Registry``;
* anything else: 500 ``InternalError``, ``Internal error occurred: <ref>: <error>``.

``<ref>`` is the normalised Docker reference (``docker.io/library/busybox:latest``,
``127.0.0.1:5000/ns/app@sha256:...``), like distribution's ``reference.Named.String()``.
"""

from __future__ import annotations

from imagestreams.api.image_v1 import GROUP
from imagestreams.api.meta import Status, StatusCause, StatusDetails
from imagestreams.api.reference import DockerImageReference
from imagestreams.oci import errors as oci

__all__ = [
    "docker_named",
    "failure",
    "internal_error",
    "invalid_name",
    "is_bad_credentials",
    "not_found",
    "status_for",
    "success",
]


def success() -> Status:
    """``{"metadata": {}, "status": "Success"}``."""
    return Status(status="Success")


def docker_named(ref: DockerImageReference) -> str:
    """distribution's ``ParseNormalizedNamed(ref.Exact()).String()``."""
    registry = ref.registry or "docker.io"
    if registry == "index.docker.io":
        registry = "docker.io"
    namespace = ref.namespace
    if not namespace and registry == "docker.io":
        namespace = "library"
    path = f"{namespace}/{ref.name}" if namespace else ref.name
    named = f"{registry}/{path}"
    if ref.tag:
        named += f":{ref.tag}"
    if ref.id:
        named += f"@{ref.id}"
    return named


def failure(message: str, reason: str, code: int, details: StatusDetails | None = None) -> Status:
    return Status(status="Failure", message=message, reason=reason, code=code, details=details)


def not_found(named: str) -> Status:
    return failure(
        f'dockerimage.{GROUP} "{named}" not found',
        "NotFound",
        404,
        StatusDetails(name=named, group=GROUP, kind="dockerimage"),
    )


def internal_error(text: str) -> Status:
    """``NewInternalError(errors.New(text))``."""
    return failure(
        f"Internal error occurred: {text}",
        "InternalError",
        500,
        StatusDetails(causes=[StatusCause(message=text)]),
    )


def invalid_name(name: str, why: str) -> Status:
    """The Invalid status upstream reports for an unparsable ``from.name``."""
    body = f'Invalid value: "{name}": invalid name: {why}'
    return failure(
        f' "" is invalid: from.name: {body}',
        "Invalid",
        422,
        StatusDetails(
            causes=[StatusCause(type="FieldValueInvalid", message=body, field="from.name")]
        ),
    )


def status_for(err: Exception, ref: DockerImageReference) -> Status:
    """The Status for a failure importing ``ref`` (tag or digest set as imported)."""
    named = docker_named(ref)
    if isinstance(err, oci.ManifestUnknown | oci.NameUnknown):
        return not_found(named)
    if isinstance(err, oci.Unauthorized):
        if err.token_error.endswith("incorrect username or password"):
            return failure(
                f'incorrect username or password for image "{named}"', "Unauthorized", 401
            )
        if err.token_error:
            where = f'Get "{err.request_url}": ' if err.request_url else ""
            return internal_error(f"{named}: {where}{err.token_error}")
        return failure(
            f'you may not have access to the container image "{named}"', "Unauthorized", 401
        )
    if isinstance(err, oci.InsecureRequired):
        return failure(
            f"the repository {ref.repository_name()} is HTTP only and requires the insecure flag"
            " to import",
            "BadRequest",
            400,
        )
    if isinstance(err, oci.NotV2Registry):
        return failure(
            f'.{GROUP} is forbidden: registry "{ref.registry}" does not support the v2'
            " Registry API",
            "NotV2Registry",
            403,
            StatusDetails(group=GROUP),
        )
    if isinstance(err, oci.CertificateInvalid):
        return internal_error(
            f'{named}: Get "{err.url}": tls: failed to verify certificate: {err.x509_error}'
        )
    text = err.message if isinstance(err, oci.RegistryError) else str(err)
    return internal_error(f"{named}: {text}")


def is_bad_credentials(status: Status) -> bool:
    """Upstream retries the whole import anonymously after such a failure (§13.2 step 5)."""
    return status.reason == "Unauthorized" and "username or password" in status.message.lower()
