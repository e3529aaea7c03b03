"""The per-reference rules (spec 15), through a real pod create against real image streams."""

from __future__ import annotations

import pytest

from imagestreams.resources.imagepolicy.resolve import RESOLVE_NAMES_ANNOTATION, local_reference
from tests.unit.imagepolicy.conftest import (
    D1,
    MYSQL_D1,
    MYSQL_D2,
    PHP_LOCAL,
    REGISTRY,
    Env,
    Obj,
)

FORCE = {RESOLVE_NAMES_ANNOTATION: "*"}


def pod(image: str, annotations: dict[str, str] | None = None) -> Obj:
    md: Obj = {"name": "p"}
    if annotations is not None:
        md["annotations"] = annotations
    return {"metadata": md, "spec": {"containers": [{"name": "c", "image": image}]}}


@pytest.mark.parametrize(
    ("image", "annotations", "expected"),
    [
        pytest.param("mysql", None, MYSQL_D1, id="short-name-defaults-to-latest"),
        pytest.param("mysql:latest", None, MYSQL_D1, id="short-name-with-tag"),
        pytest.param("mysql:8", None, MYSQL_D2, id="other-tag"),
        pytest.param("mysql:9", None, f"{REGISTRY}/ns/mysql:9", id="missing-tag-goes-local"),
        pytest.param(f"mysql@{D1}", None, f"mysql@{D1}", id="digest-untouched"),
        pytest.param("docker.io/mysql", None, "docker.io/mysql", id="registry-untouched"),
        pytest.param("library/mysql", None, "library/mysql", id="namespace-untouched"),
        pytest.param("localhost/mysql:8", None, "localhost/mysql:8", id="localhost-untouched"),
        pytest.param("php", None, PHP_LOCAL, id="local-reference-policy"),
        pytest.param("private", None, "private", id="lookup-disabled-untouched"),
        pytest.param("private:nope", None, "private:nope", id="lookup-disabled-missing-tag"),
        pytest.param("empty", None, f"{REGISTRY}/ns/empty:latest", id="stream-without-tags"),
        pytest.param("bare", None, "bare", id="no-tags-lookup-disabled"),
        pytest.param("unknown", None, "unknown", id="no-such-stream"),
        pytest.param("Bad:Ref:x", None, "Bad:Ref:x", id="unparseable"),
        pytest.param("", None, "", id="empty-image"),
        pytest.param("private", FORCE, MYSQL_D1, id="resolve-names-ignores-lookup"),
        pytest.param("docker.io/library/private:latest", FORCE, MYSQL_D1,
                     id="resolve-names-ignores-registry-and-namespace"),
        pytest.param("private:nope", FORCE, f"{REGISTRY}/ns/private:nope",
                     id="resolve-names-missing-tag"),
        pytest.param("bare", FORCE, f"{REGISTRY}/ns/bare:latest", id="resolve-names-no-tags"),
        pytest.param(f"private@{D1}", FORCE, f"private@{D1}", id="resolve-names-digest-untouched"),
        pytest.param("unknown", FORCE, "unknown", id="resolve-names-no-stream"),
        pytest.param("private", {RESOLVE_NAMES_ANNOTATION: "true"}, "private",
                     id="resolve-names-needs-star"),
    ],
)  # fmt: skip
async def test_pod_image_resolution(
    env: Env, image: str, annotations: dict[str, str] | None, expected: str
) -> None:
    created = await env.store("", "pods").create(env.ctx(), pod(image, annotations))
    assert created["spec"]["containers"][0]["image"] == expected
    stored = await env.store("", "pods").get(env.ctx(), "p")
    assert stored["spec"]["containers"][0]["image"] == expected


@pytest.mark.parametrize(
    ("image", "force", "expected"),
    [
        pytest.param("mysql", False, ("mysql", "latest"), id="name"),
        pytest.param("mysql:8", False, ("mysql", "8"), id="name-tag"),
        pytest.param("quay.io/a/mysql:8", False, None, id="registry"),
        pytest.param("quay.io/a/mysql:8", True, ("mysql", "8"), id="registry-forced"),
        pytest.param("a/mysql", True, ("mysql", "latest"), id="namespace-forced"),
        pytest.param(f"mysql@{D1}", True, None, id="digest"),
        pytest.param("UPPER", False, None, id="invalid"),
    ],
)
def test_local_reference(image: str, force: bool, expected: tuple[str, str] | None) -> None:
    assert local_reference(image, force=force) == expected


async def test_repeated_image_is_resolved_everywhere(env: Env) -> None:
    body = pod("mysql")
    body["spec"]["containers"].append({"name": "d", "image": "mysql"})
    body["spec"]["initContainers"] = [{"name": "i", "image": "php"}]
    created = await env.store("", "pods").create(env.ctx(), body)
    spec = created["spec"]
    assert [c["image"] for c in spec["containers"]] == [MYSQL_D1, MYSQL_D1]
    assert [c["image"] for c in spec["initContainers"]] == [PHP_LOCAL]


async def test_dry_run_create_is_resolved_too(env: Env) -> None:
    ctx = env.ctx()
    ctx.dry_run = True
    created = await env.store("", "pods").create(ctx, pod("mysql:8"))
    assert created["spec"]["containers"][0]["image"] == MYSQL_D2
