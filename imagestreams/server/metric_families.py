"""Labelled counters and histograms for the request path, kept in plain dicts and lists.

prometheus_client's own ``Counter`` and ``Histogram`` take a lock per increment (one for the
bucket, one for the sum, one for the count) and cost more per GET than reading the object from
storage. These record from the event loop only, which is single-threaded, so they need no lock;
they are exported through the normal ``CollectorRegistry`` as custom collectors, so the text
exposition and ``get_sample_value`` see ordinary counter and histogram families.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence
from typing import cast

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString as _untyped_float_to_go

_float_to_go = cast(Callable[[float], str], _untyped_float_to_go)
"""How ``le`` labels are spelled (``0.005``, ``1.0``), the same as prometheus_client's own."""

__all__ = ["LoopCounter", "LoopHistogram"]


class LoopCounter(Collector):
    """A counter family; ``name`` without the ``_total`` suffix, as prometheus_client wants."""

    def __init__(
        self, name: str, documentation: str, labelnames: Sequence[str], registry: CollectorRegistry
    ) -> None:
        self.name = name
        self.documentation = documentation
        self.labelnames = tuple(labelnames)
        self.values: dict[tuple[str, ...], float] = {}
        registry.register(self)

    def inc(self, labels: tuple[str, ...], amount: float = 1) -> None:
        self.values[labels] = self.values.get(labels, 0) + amount

    def ensure(self, labels: tuple[str, ...]) -> None:
        """Export the series at 0 before its first increment."""
        self.values.setdefault(labels, 0)

    def collect(self) -> Iterator[Metric]:
        family = CounterMetricFamily(self.name, self.documentation, labels=self.labelnames)
        for labels, value in list(self.values.items()):
            family.add_metric(list(labels), value)
        yield family


class LoopHistogram(Collector):
    """A histogram family with fixed upper bounds (``le`` inclusive, as Prometheus defines)."""

    def __init__(
        self,
        name: str,
        documentation: str,
        labelnames: Sequence[str],
        buckets: Sequence[float],
        registry: CollectorRegistry,
    ) -> None:
        self.name = name
        self.documentation = documentation
        self.labelnames = tuple(labelnames)
        self.bounds = tuple(float(b) for b in buckets)
        self._size = len(self.bounds) + 1  # the last bucket is +Inf
        # Per series: non-cumulative bucket counts, then the sum.
        self.series: dict[tuple[str, ...], list[float]] = {}
        registry.register(self)

    def observe(self, labels: tuple[str, ...], value: float) -> None:
        series = self.series.get(labels)
        if series is None:
            series = self.series[labels] = [0.0] * (self._size + 1)
        series[bisect_left(self.bounds, value)] += 1
        series[-1] += value

    def collect(self) -> Iterator[Metric]:
        family = HistogramMetricFamily(self.name, self.documentation, labels=self.labelnames)
        edges = [_float_to_go(b) for b in self.bounds] + ["+Inf"]
        for labels, series in list(self.series.items()):
            cumulative, running = [], 0.0
            for edge, count in zip(edges, series[: self._size], strict=True):
                running += count
                cumulative.append((edge, running))
            family.add_metric(list(labels), cumulative, series[-1])
        yield family
