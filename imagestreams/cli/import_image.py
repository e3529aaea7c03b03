"""``imagestreams import-image``: ``oc import-image`` against our API server.

The request is built exactly as oc builds it (``pkg/cli/importimage/importimage.go``): a missing
stream needs ``--confirm``; ``--all`` imports a whole repository (``spec.repository``); a tag
import follows same-stream tag references, refuses to change an existing tag's source (that is
``tag``'s job) and re-imports by resetting the tag generation; ``--insecure`` given explicitly
beats the stream's insecure annotation; ``--dry-run`` sends ``import: false``. Messages are
oc's. The result is a summary table (rich) instead of oc's describe output, with a live
progress display while a repository import runs on the server (on a terminal only; nothing
wraps when the output is a file or a pipe, see :mod:`.output`).

Outcome, as oc's ``Run`` since openshift/oc d27e7c9 ("reflect import image error", 2022):
stdout gets ``imagestream.image.openshift.io/NAME imported`` (``imported with errors`` when a
tag or the repository failed; `` (dry run)`` appended with ``--dry-run``) and the details;
stderr gets ``error: tag TAG failed: MESSAGE`` per failed tag (``error: repository tag TAG
failed: ...`` for a tag of a repository import), then ``error: imported completed with errors``
(oc's wording), and the exit status is 1. Only a repository that failed as a whole (no tags to
report) also gets ``error: MESSAGE`` -- oc prints nothing for it but the final error.

Connection options and error wording are the other client commands' (``common``). Everything
oc rejects in ``Complete``/``Validate`` (bad pull spec, ``--all`` with a tag, bad
``--reference-policy``/``--import-mode``) exits 1 as in oc; 2 is left to click's parse errors.
"""

from __future__ import annotations

from typing import Any

import click
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from imagestreams import errors
from imagestreams.api.image_v1 import (
    ANNOTATION_DOCKER_IMAGE_REPOSITORY_CHECK,
    ANNOTATION_INSECURE_REPOSITORY,
    API_VERSION,
)
from imagestreams.api.reference import DockerImageReference, InvalidReference
from imagestreams.cli.apiclient import ImageClient
from imagestreams.cli.common import (
    CommandError,
    Connection,
    connection_options,
    run_client,
)
from imagestreams.cli.output import console as make_console
from imagestreams.client.protocol import IMAGE_STREAM_IMPORTS, IMAGE_STREAMS

__all__ = ["ImportOptions", "build_import", "follow_tag_reference", "import_image"]

Obj = dict[str, Any]


class ImportOptions:
    """The parsed command line (oc's ``ImportImageOptions``)."""

    def __init__(
        self,
        target: str,
        *,
        from_: str = "",
        confirm: bool = False,
        all_: bool = False,
        scheduled: bool = False,
        insecure: bool | None = None,
        reference_policy: str = "",
        import_mode: str = "",
        dry_run: bool = False,
        namespace: str = "default",
    ) -> None:
        try:
            ref = DockerImageReference.parse(target)
        except InvalidReference:
            raise CommandError(
                "the image name must be a valid container image pull spec or reference to an"
                " image stream (e.g. myregistry/myteam/image:tag)"
            ) from None
        if ref.id:
            raise CommandError("to import images by ID, use the 'tag' command")
        if ref.tag and all_:
            raise CommandError(f'cannot specify a tag "{target}" as well as --all')
        policy = reference_policy.lower()
        if policy not in ("", "source", "local"):
            raise CommandError("valid reference policy values are source or local")
        if import_mode not in ("", "Legacy", "PreserveOriginal"):
            raise CommandError("valid ImportMode values are Legacy or PreserveOriginal")
        self.target = target
        self.name = ref.name
        self.tag = ref.tag or ("" if all_ else "latest")
        self.from_ = from_
        self.confirm = confirm
        self.all = all_
        self.scheduled = scheduled
        self.insecure = insecure
        self.reference_policy = {"source": "Source", "local": "Local"}.get(policy, "")
        self.import_mode = import_mode or "Legacy"
        self.dry_run = dry_run
        self.namespace = namespace


def _tag(stream: Obj, name: str) -> Obj | None:
    for tag in (stream.get("spec") or {}).get("tags") or ():
        if tag.get("name") == name:
            return dict(tag)
    return None


def follow_tag_reference(stream: Obj, tag: str) -> tuple[str, Obj | None, bool]:
    """library-go ``FollowTagReference``: (final tag, its spec tag or None if absent, whether
    references were followed); raises ClickException for bad references."""
    seen: set[str] = set()
    multiple = False
    md = stream.get("metadata") or {}
    while True:
        if tag in seen:
            raise CommandError(f'tag "{tag}" on the image stream is a reference to same tag')
        seen.add(tag)
        ref = _tag(stream, tag)
        if ref is None:
            return tag, None, multiple
        source = ref.get("from") or {}
        if source.get("kind") != "ImageStreamTag":
            return tag, ref, multiple
        cross = f'tag "{tag}" points to an imagestreamtag from another ImageStream'
        if source.get("namespace") and source["namespace"] != md.get("namespace"):
            raise CommandError(cross)
        name = str(source.get("name", ""))
        if ":" in name:
            stream_name, _, next_tag = name.partition(":")
            if not stream_name or not next_tag:
                raise CommandError(f'tag "{tag}" points to an invalid imagestreamtag')
            if stream_name != md.get("name"):
                raise CommandError(cross)
            tag = next_tag
        else:
            tag = name
        multiple = True


def _policy(opts: ImportOptions, insecure: bool, scheduled: bool) -> Obj:
    return {"insecure": insecure, "scheduled": scheduled, "importMode": opts.import_mode}


def build_import(opts: ImportOptions, stream: Obj | None) -> Obj:
    """The ImageStreamImport oc would send for ``stream`` (None: it does not exist)."""
    md = (stream or {}).get("metadata") or {}
    spec = (stream or {}).get("spec") or {}
    annotations = md.get("annotations") or {}
    insecure = annotations.get(ANNOTATION_INSECURE_REPOSITORY) == "true"
    if opts.insecure is not None:
        insecure = opts.insecure
    reference_policy = {"type": opts.reference_policy} if opts.reference_policy else {}
    isi: Obj = {
        "kind": "ImageStreamImport",
        "apiVersion": API_VERSION,
        "metadata": {"name": opts.name, "namespace": opts.namespace},
        "spec": {"import": not opts.dry_run},
    }
    if md.get("resourceVersion"):
        isi["metadata"]["resourceVersion"] = md["resourceVersion"]

    def repository(source: str) -> Obj:
        isi["spec"]["repository"] = {
            "from": {"kind": "DockerImage", "name": source},
            "importPolicy": _policy(opts, insecure, opts.scheduled),
            "referencePolicy": reference_policy,
        }
        return isi

    def tags(mapping: dict[str, str]) -> Obj:
        images = []
        for tag, source in mapping.items():
            old = _tag(stream or {}, tag) or {}
            old_policy = old.get("importPolicy") or {}
            images.append(
                {
                    "from": {"kind": "DockerImage", "name": source},
                    "to": {"name": tag},
                    "importPolicy": _policy(
                        opts,
                        insecure or bool(old_policy.get("insecure")),
                        opts.scheduled or bool(old_policy.get("scheduled")),
                    ),
                    "referencePolicy": reference_policy,
                }
            )
        isi["spec"]["images"] = images
        return isi

    if stream is None:
        if not opts.confirm:
            raise CommandError(
                f'no image stream named "{opts.name}" exists, pass --confirm to create and import'
            )
        source = opts.from_ or opts.target
        return repository(source) if opts.all else tags({opts.tag: source})
    current = spec.get("dockerImageRepository", "")
    if opts.all:
        source = opts.from_
        if not source:
            if current:
                return repository(current)
            external = {
                t["name"]: t["from"]["name"]
                for t in spec.get("tags") or ()
                if (t.get("from") or {}).get("kind") == "DockerImage"
            }
            if not external:
                raise CommandError(
                    "image stream does not have tags pointing to external container images"
                )
            return tags(external)
        if source != current and not opts.confirm:
            if not current:
                raise CommandError(
                    "the image stream does not currently import an entire Docker repository,"
                    " pass --confirm to update"
                )
            raise CommandError(
                f'the image stream has a different import spec "{current}", pass --confirm to'
                " update"
            )
        return repository(source)
    tag, source = opts.tag, opts.from_
    final, existing, multiple = follow_tag_reference(stream, tag)
    if existing is None:
        if not source and tag == "latest":
            source = current
        if not source:
            raise CommandError(
                f'the tag "{tag}" does not exist on the image stream - choose an existing tag to'
                " import or use the 'tag' command to create a new tag"
            )
        return tags({tag: source})
    origin = existing.get("from")
    if origin is None:
        raise CommandError(
            f"tag \"{tag}\" already exists - you must use the 'tag' command if you want to change"
            f' the source to "{source}"'
        )
    if origin.get("kind") != "DockerImage":
        raise CommandError(
            f'tag "{tag}" points to existing {origin.get("kind")} "{origin.get("name")}", it'
            " cannot be re-imported"
        )
    if source and source != origin.get("name"):
        if multiple:
            raise CommandError(
                f'the tag "{tag}" points to the tag "{final}" which points to'
                f" \"{origin.get('name')}\" - use the 'tag' command if you want to change the"
                f' source to "{source}"'
            )
        raise CommandError(
            f'the tag "{tag}" points to "{origin.get("name")}" - use the \'tag\' command if you'
            f' want to change the source to "{source}"'
        )
    (existing.get("annotations") or {}).pop(ANNOTATION_DOCKER_IMAGE_REPOSITORY_CHECK, None)
    return tags({final if multiple else tag: str(origin.get("name", ""))})


def _failed(result: Obj) -> bool:
    status = result.get("status") or {}
    if any((i.get("status") or {}).get("status") == "Failure" for i in status.get("images") or ()):
        return True
    repo: Obj = status.get("repository") or {}
    return bool((repo.get("status") or {}).get("status") == "Failure")


def _summary(result: Obj, name: str, console: Console, err: Console) -> None:
    """The per-tag table on ``console``; oc's per-tag error lines on ``err``."""
    status = result.get("status") or {}
    repo: Obj = status.get("repository") or {}
    rows = [("repository tag", item) for item in repo.get("images") or ()]
    rows += [("tag", item) for item in status.get("images") or ()]
    table = Table(title=None, show_lines=False)
    for column in ("TAG", "IMAGE", "STATUS", "MESSAGE"):
        table.add_column(column, overflow="fold")
    for what, item in rows:
        tag = str(item.get("tag", ""))
        image = item.get("image") or {}
        state = item.get("status") or {}
        label = f"{name}:{tag}" if tag else name
        if image:
            digest = str((image.get("metadata") or {}).get("name", ""))
            table.add_row(Text(label), Text(digest), Text("Imported"), Text(""))
            continue
        message = str(state.get("message", ""))
        reason = str(state.get("reason", "") or "Failed")
        table.add_row(Text(label), Text(""), Text(reason), Text(message))
        err.print(f"error: {what} {tag} failed: {message}", markup=False)
    if not repo.get("images") and (repo.get("status") or {}).get("status") == "Failure":
        err.print(f"error: {(repo.get('status') or {}).get('message', '')}", markup=False)
    console.print(table)
    extra = repo.get("additionalTags") or []
    if extra:
        console.print(
            f"\ninfo: The remote repository contained {len(extra)} additional tags which were"
            f" not imported: {', '.join(extra)}",
            markup=False,
        )


async def _run(client: ImageClient, opts: ImportOptions, console: Console) -> Obj:
    try:
        stream: Obj | None = await client.get(IMAGE_STREAMS, opts.namespace, opts.name)
    except errors.ApiError as exc:
        if exc.code != 404:
            raise
        stream = None
    isi = build_import(opts, stream)
    request = client.create(IMAGE_STREAM_IMPORTS, opts.namespace, isi, timeout=3600.0)
    if "repository" not in isi["spec"] or not console.is_terminal:
        return await request
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        progress.add_task(f"importing repository {isi['spec']['repository']['from']['name']}")
        return await request


@click.command("import-image")
@click.argument("target", metavar="NAME[:TAG]")
@click.option("--from", "from_", default="", help="A container image repository to import from.")
@click.option("--confirm", is_flag=True, help="Allow the import location to be set or changed.")
@click.option("--all", "all_", is_flag=True, help="Import all tags of the source repository.")
@click.option("--scheduled", is_flag=True, help="Re-import the images periodically.")
@click.option("--insecure/--no-insecure", default=None, help="Allow HTTP and invalid certificates.")
@click.option("--reference-policy", default="", help="source (default) or local.")
@click.option("--import-mode", default="", help="Legacy (default) or PreserveOriginal.")
@click.option("--dry-run", is_flag=True, help="Fetch image information without writing.")
@connection_options
def import_image(
    target: str,
    from_: str,
    confirm: bool,
    all_: bool,
    scheduled: bool,
    insecure: bool | None,
    reference_policy: str,
    import_mode: str,
    dry_run: bool,
    kubeconfig: str | None,
    context_name: str | None,
    namespace: str | None,
) -> None:
    """Import images from a container registry into an image stream (as ``oc import-image``)."""
    conn = Connection.load(kubeconfig, context_name, namespace)
    opts = ImportOptions(
        target, from_=from_, confirm=confirm, all_=all_, scheduled=scheduled,
        insecure=insecure, reference_policy=reference_policy, import_mode=import_mode,
        dry_run=dry_run, namespace=conn.namespace,
    )  # fmt: skip
    console, err = make_console(), make_console(stderr=True)

    async def work(client: ImageClient) -> Obj:
        return await _run(client, opts, err)

    result = run_client(conn, work)
    failed = _failed(result)
    message = "imported with errors" if failed else "imported"
    if dry_run:
        message += " (dry run)"
    console.print(f"imagestream.image.openshift.io/{opts.name} {message}\n", markup=False)
    _summary(result, opts.name, console, err)
    if failed:
        raise CommandError("imported completed with errors")
