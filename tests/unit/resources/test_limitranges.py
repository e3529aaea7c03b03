"""LimitRange quantities are decoded as kube decodes them (400 for what it cannot parse)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from imagestreams import errors
from imagestreams.resources import install
from imagestreams.rest.context import RequestContext
from imagestreams.storage.sqlite import SQLiteStorage


@pytest.fixture
async def installed(tmp_path: Path) -> AsyncIterator[install.Installed]:
    storage = SQLiteStorage(tmp_path / "s.db")
    await storage.open()
    built = install.build(storage)
    await install.bootstrap(built)
    yield built
    await built.namespaces.close()
    await storage.close()


def _limits(storage: object) -> dict[str, object]:
    return {
        "metadata": {"name": "l"},
        "spec": {"limits": [{"type": "openshift.io/Image", "max": {"storage": storage}}]},
    }


async def test_unparsable_quantities_are_refused(installed: install.Installed) -> None:
    store = installed.resources[("", "v1", "limitranges", "")]
    ctx = RequestContext(namespace="default")
    with pytest.raises(errors.BadRequest) as caught:
        await store.create(ctx, _limits("1K"))
    assert caught.value.message == (
        'LimitRange in version "v1" cannot be handled as a LimitRange: unable to parse '
        "quantity's suffix"
    )
    created = await store.create(ctx, _limits("1e3"))
    created["spec"]["limits"][0]["max"]["storage"] = "1 Gi"
    with pytest.raises(errors.BadRequest, match="quantities must match the regular expression"):
        await store.update(ctx, "l", created)
