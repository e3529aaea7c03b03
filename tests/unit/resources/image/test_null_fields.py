"""``null`` in a request body means "absent", as Go's JSON decoder reads it.

origin's test/testdata/mysql-image-stream-mapping.yaml ends with an empty
``dockerImageReference:`` key (YAML null), and ``oc create -f`` of it must succeed; hand-written
manifests often carry ``labels:`` or ``namespace:`` left empty the same way.
"""

from __future__ import annotations

import pytest

from imagestreams import errors
from imagestreams.rest.options import ListOptions
from tests.unit.resources.image.conftest import Api

DIGEST = "sha256:" + "b" * 64


async def test_null_fields_of_a_stream_read_as_absent(api: Api) -> None:
    body = {
        "metadata": {"name": "mysql", "labels": None, "annotations": None},
        "spec": {
            "dockerImageRepository": None,
            "lookupPolicy": None,
            "tags": [
                {
                    "name": "5.7",
                    "from": {"kind": "DockerImage", "name": "mysql:5.7", "namespace": None},
                    "importPolicy": {"insecure": None, "scheduled": None},
                    "referencePolicy": {"type": None},
                    "reference": True,
                }
            ],
        },
    }
    created = await api.r("imagestreams").create(api.ctx(), body)
    tag = created["spec"]["tags"][0]
    assert tag["from"] == {"kind": "DockerImage", "name": "mysql:5.7"}
    assert tag["referencePolicy"] == {"type": "Source"}
    assert created["spec"]["lookupPolicy"] == {"local": False}
    assert "labels" not in created["metadata"]
    assert "annotations" not in created["metadata"]


async def test_upstream_mapping_fixture_with_an_empty_reference_is_accepted(api: Api) -> None:
    await api.r("imagestreams").create(api.ctx(), {"metadata": {"name": "mysql"}})
    mapping = {
        "metadata": {"name": "mysql"},
        "tag": "latest",
        "image": {
            "metadata": {"name": DIGEST, "annotations": None},
            "dockerImageReference": None,
            "dockerImageMetadata": None,
        },
    }
    await api.r("imagestreammappings").create(api.ctx(), mapping)
    stream = await api.r("imagestreams").get(api.ctx(), "mysql")
    assert stream["status"]["tags"][0]["items"][0]["image"] == DIGEST


async def test_a_wrong_type_is_still_refused(api: Api) -> None:
    body = {"metadata": {"name": "bad"}, "spec": {"dockerImageRepository": 5}}
    with pytest.raises(errors.BadRequest, match="cannot be handled as a ImageStream"):
        await api.r("imagestreams").create(api.ctx(), body)


async def test_null_metadata_members_of_any_kind_are_dropped(api: Api) -> None:
    created = await api.core("configmaps").create(
        api.ctx(), {"metadata": {"name": "c", "labels": None, "finalizers": None}}
    )
    assert "labels" not in created["metadata"]
    created["metadata"]["annotations"] = None
    updated, _ = await api.core("configmaps").update(api.ctx(), "c", created)
    assert "annotations" not in updated["metadata"]


@pytest.mark.parametrize(
    ("metadata", "message"),
    [
        pytest.param({"name": "c", "labels": 1.5}, "json: cannot unmarshal number into Go struct "
                     "field ObjectMeta.metadata.labels of type map[string]string", id="labels"),
        pytest.param({"name": "c", "labels": {"a": 1}}, "json: cannot unmarshal number into Go "
                     "struct field ObjectMeta.metadata.labels of type string", id="label-value"),
        pytest.param({"name": "c", "finalizers": False}, "json: cannot unmarshal bool into Go "
                     "struct field ObjectMeta.metadata.finalizers of type []string",
                     id="finalizers"),
        pytest.param({"name": "c", "ownerReferences": [1]}, "json: cannot unmarshal number into "
                     "Go struct field ObjectMeta.metadata.ownerReferences of type "
                     "v1.OwnerReference", id="owner-reference"),
        pytest.param({"generateName": True}, "json: cannot unmarshal bool into Go struct field "
                     "ObjectMeta.metadata.generateName of type string", id="generate-name"),
    ],
)  # fmt: skip
async def test_wrongly_typed_metadata_is_refused_before_storing(
    api: Api, metadata: dict[str, object], message: str
) -> None:
    """Stored, such values broke every label-selected list and the garbage collector."""
    with pytest.raises(errors.BadRequest) as caught:
        await api.core("configmaps").create(api.ctx(), {"metadata": metadata})
    assert caught.value.message == (
        f'ConfigMap in version "v1" cannot be handled as a ConfigMap: {message}'
    )
    listed = await api.core("configmaps").list(api.ctx(), ListOptions())
    assert listed["items"] == []
