"""The shared storage conformance suite as one pytest test, for every backend's test module.

``imagestreams.storage.conformance`` holds the checks (no pytest there, so a third backend can
reuse them); this is the one place that turns them into test cases. A backend's module imports
``test_conformance`` (re-exported in its ``__all__`` so pytest collects it there) and defines a
``new_storage`` fixture returning its ``StorageFactory``; the test ids are the check names.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from imagestreams.storage import conformance

__all__ = ["test_conformance"]


@pytest.mark.parametrize(
    "check", [pytest.param(c, id=c.__name__.removeprefix("check_")) for c in conformance.ALL_CHECKS]
)
async def test_conformance(
    check: Callable[[conformance.StorageFactory], Awaitable[None]],
    new_storage: conformance.StorageFactory,
) -> None:
    await check(new_storage)
