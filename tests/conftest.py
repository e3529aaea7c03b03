"""Root test configuration: shared fixture modules, loaded once for the whole suite (so pytest
rewrites their asserts before any test module imports them)."""

import pytest

pytest.register_assert_rewrite(
    "tests.integration.image_upstream_support",
    "tests.integration.registry_fixture",
    "tests.integration.etcd_fixture",
    "tests.storage_conformance",
)

pytest_plugins = [
    "tests.integration.registry_fixture",
    "tests.integration.image_upstream_support",
]
