"""The official ``kubernetes`` Python client (typed and dynamic) against the real server."""

from __future__ import annotations

import threading
import uuid

import pytest
from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException
from kubernetes.dynamic import DynamicClient

from tests.integration.server_fixture import RunningServer

pytestmark = pytest.mark.integration


@pytest.fixture
def api_client(api_server: RunningServer) -> client.ApiClient:
    return config.new_client_from_config(config_file=str(api_server.kubeconfig))


@pytest.fixture
def ns(api_client: client.ApiClient) -> str:
    name = f"py-{uuid.uuid4().hex[:8]}"
    client.CoreV1Api(api_client).create_namespace(
        client.V1Namespace(metadata=client.V1ObjectMeta(name=name))
    )
    return name


def test_typed_core_and_apps(api_client: client.ApiClient, ns: str) -> None:
    core = client.CoreV1Api(api_client)
    secret = core.create_namespaced_secret(
        ns,
        client.V1Secret(
            metadata=client.V1ObjectMeta(name="creds"),
            string_data=None,
            data={"token": "c2VjcmV0"},
            type="Opaque",
        ),
    )
    assert secret.metadata.name == "creds"
    assert core.read_namespaced_secret("creds", ns).data == {"token": "c2VjcmV0"}
    apps = client.AppsV1Api(api_client)
    dep = client.V1Deployment(
        metadata=client.V1ObjectMeta(name="web"),
        spec=client.V1DeploymentSpec(
            replicas=1,
            selector=client.V1LabelSelector(match_labels={"app": "web"}),
            template=client.V1PodTemplateSpec(
                metadata=client.V1ObjectMeta(labels={"app": "web"}),
                spec=client.V1PodSpec(
                    containers=[client.V1Container(name="web", image="quay.io/example/web:1")]
                ),
            ),
        ),
    )
    created = apps.create_namespaced_deployment(ns, dep)
    assert created.metadata.generation == 1
    listed = apps.list_namespaced_deployment(ns)
    assert [d.metadata.name for d in listed.items] == ["web"]
    with pytest.raises(ApiException) as exc:
        apps.read_namespaced_deployment("missing", ns)
    assert exc.value.status == 404


def test_dynamic_client_crud(api_client: client.ApiClient, ns: str) -> None:
    dyn = DynamicClient(api_client)
    cms = dyn.resources.get(api_version="v1", kind="ConfigMap")
    cms.create(
        body={
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "dyn"},
            "data": {"a": "1"},
        },
        namespace=ns,
    )
    got = cms.get(name="dyn", namespace=ns)
    assert got.data.a == "1"
    cms.patch(
        name="dyn",
        namespace=ns,
        body={"data": {"a": "2"}},
        content_type="application/merge-patch+json",
    )
    assert cms.get(name="dyn", namespace=ns).data.a == "2"
    deployments = dyn.resources.get(api_version="apps/v1", kind="Deployment")
    assert deployments.namespaced is True
    cms.delete(name="dyn", namespace=ns)
    with pytest.raises(Exception) as exc:
        cms.get(name="dyn", namespace=ns)
    assert getattr(exc.value, "status", None) == 404


def test_watch_sees_added_and_deleted(api_client: client.ApiClient, ns: str) -> None:
    core = client.CoreV1Api(api_client)
    rv = core.list_namespaced_config_map(ns).metadata.resource_version
    seen: list[tuple[str, str]] = []
    w = watch.Watch()

    def consume() -> None:
        for event in w.stream(
            core.list_namespaced_config_map, ns, resource_version=rv, timeout_seconds=10
        ):
            seen.append((event["type"], event["object"].metadata.name))
            if len(seen) == 2:
                w.stop()

    t = threading.Thread(target=consume)
    t.start()
    core.create_namespaced_config_map(
        ns, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="watched"), data={"a": "b"})
    )
    core.delete_namespaced_config_map("watched", ns)
    t.join(15)
    assert seen == [("ADDED", "watched"), ("DELETED", "watched")]
