"""Quantities parse exactly as kube's resource.ParseQuantity does."""

from __future__ import annotations

from decimal import Decimal

import pytest

from imagestreams.validation.quantity import (
    FORMAT_ERROR,
    SUFFIX_ERROR,
    QuantityError,
    parse_quantity,
)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1Gi", Decimal(2**30)), ("1.5Mi", Decimal(3 * 2**19)), ("500m", Decimal("0.5")),
        ("1e3", Decimal(1000)), ("1E-3", Decimal("0.001")), ("+2k", Decimal(2000)),
        ("-1", Decimal(-1)), ("5", Decimal(5)), ("7n", Decimal("7e-9")), (3, Decimal(3)),
    ],
)  # fmt: skip
def test_valid(text: object, value: Decimal) -> None:
    assert parse_quantity(text) == value


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("1K", SUFFIX_ERROR), ("1e", SUFFIX_ERROR), ("2Kb", FORMAT_ERROR),
        (" 1", FORMAT_ERROR), ("1 Gi", FORMAT_ERROR), ("1.2.3", FORMAT_ERROR), ("", FORMAT_ERROR),
        ("k", FORMAT_ERROR), (True, FORMAT_ERROR), (None, FORMAT_ERROR),
    ],
)  # fmt: skip
def test_invalid(text: object, error: str) -> None:
    with pytest.raises(QuantityError) as caught:
        parse_quantity(text)
    assert str(caught.value) == error
