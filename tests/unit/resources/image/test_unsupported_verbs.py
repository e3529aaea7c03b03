"""Verbs a virtual image resource lacks are answered as kube-apiserver answers them."""

from __future__ import annotations

import pytest

from imagestreams import errors
from imagestreams.rest.options import ListOptions
from tests.unit.resources.image.conftest import Api


async def test_watch_of_a_listable_resource_is_not_supported(api: Api) -> None:
    with pytest.raises(errors.MethodNotAllowed) as caught:
        api.r("imagestreamtags").watch(api.ctx(), ListOptions(watch=True))
    status = caught.value.status()
    assert status["message"] == (
        'watch is not supported on resources of kind "imagestreamtags.image.openshift.io"'
    )
    assert status["details"] == {"group": "image.openshift.io", "kind": "imagestreamtags"}


async def test_a_collection_without_routes_is_not_found(api: Api) -> None:
    with pytest.raises(errors.NotFound, match="the server could not find the requested resource"):
        await api.r("imagestreamimages").list(api.ctx(), ListOptions())


async def test_other_missing_verbs_are_method_not_allowed(api: Api) -> None:
    with pytest.raises(errors.MethodNotAllowed) as caught:
        await api.r("imagestreammappings").list(api.ctx(), ListOptions())
    assert caught.value.message == (
        "the server does not allow this method on the requested resource"
    )
