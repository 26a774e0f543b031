"""What a benchmark run found: figures, their statistics, the printed tables, JSON and a plot.

A :class:`Figure` is one measured quantity (time to first reply audio, tokens per
second...) with all its samples. The tables show, for each figure, the median, the
95th percentile, the worst sample and the count; "worst" is the largest value for
figures where lower is better and the smallest where higher is better. A figure the
server does not log yet is shown with a note instead of numbers, never invented.
"""

from __future__ import annotations

import json
import math
import platform
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Units whose figures are latencies, drawn in the plot.
LATENCY_UNIT = "ms"


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile of ``values``, linearly interpolated between closest ranks.

    This is NumPy's default (``method="linear"``): the sorted values sit at ranks
    ``0 .. n-1`` and the percentile is read at rank ``q / 100 * (n - 1)``.

    Args:
        values: At least one number.
        q: Percentile between 0 and 100.

    Raises:
        ValueError: ``values`` is empty or ``q`` is out of range.
    """
    if not values:
        raise ValueError("percentile of no values")
    if not 0.0 <= q <= 100.0:
        raise ValueError(f"percentile {q} is not between 0 and 100")
    ordered = sorted(values)
    rank = q / 100.0 * (len(ordered) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class Summary:
    """The statistics a table shows for one figure.

    Attributes:
        median: The 50th percentile.
        p95: The 95th percentile.
        worst: The largest value (lower is better) or the smallest (higher is better).
        count: How many samples.
    """

    median: float
    p95: float
    worst: float
    count: int


def summarize(values: Sequence[float], higher_is_better: bool = False) -> Summary | None:
    """Median, 95th percentile (of the bad tail) and worst of ``values``; ``None`` when empty.

    For a figure where higher is better (tokens per second), the "95th percentile"
    is the 5th percentile: the value 95 % of the samples reach or beat.
    """
    if not values:
        return None
    if higher_is_better:
        return Summary(percentile(values, 50), percentile(values, 5), min(values), len(values))
    return Summary(percentile(values, 50), percentile(values, 95), max(values), len(values))


@dataclass
class Figure:
    """One measured quantity and its samples.

    Attributes:
        name: What it is, as the table shows it.
        unit: ``ms``, ``tok/s``, ``MiB``, ``x``, ``bytes``, ``sessions``...
        values: The samples.
        higher_is_better: Whether larger values are better (throughput).
        target: The issue's target for it, in words, if it has one.
        source: ``client`` (measured at the client), ``server log`` (the server's
            own timing records), ``derived`` (computed from both) or ``in-process``.
        note: Shown instead of numbers when there are none (e.g. "not logged").
    """

    name: str
    unit: str
    values: list[float] = field(default_factory=list)
    higher_is_better: bool = False
    target: str = ""
    source: str = "client"
    note: str = ""

    def summary(self) -> Summary | None:
        """The statistics of the samples, or ``None`` when there are none."""
        return summarize(self.values, self.higher_is_better)

    def to_json(self) -> dict[str, Any]:
        """The figure with its raw samples and its statistics."""
        summary = self.summary()
        return {
            "name": self.name,
            "unit": self.unit,
            "higher_is_better": self.higher_is_better,
            "target": self.target,
            "source": self.source,
            "note": self.note,
            "values": [round(v, 3) for v in self.values],
            "median": None if summary is None else round(summary.median, 3),
            "p95": None if summary is None else round(summary.p95, 3),
            "worst": None if summary is None else round(summary.worst, 3),
            "count": 0 if summary is None else summary.count,
        }


@dataclass
class ScenarioResult:
    """What one scenario measured.

    Attributes:
        name: ``voice``, ``barge-in``, ``text``, ``capacity`` or ``pipeline``.
        figures: The figures, in table order.
        samples: One record per utterance, exchange or level: the raw measurements.
        notes: Lines printed under the table (verdicts, caveats).
        elapsed_s: How long the scenario ran.
    """

    name: str
    figures: list[Figure] = field(default_factory=list)
    samples: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0

    def figure(self, name: str, unit: str = LATENCY_UNIT, **options: Any) -> Figure:
        """The figure called ``name``, added (with ``options``) if it is not there yet."""
        for figure in self.figures:
            if figure.name == name:
                return figure
        figure = Figure(name, unit, **options)
        self.figures.append(figure)
        return figure

    def to_json(self) -> dict[str, Any]:
        """The scenario's figures, samples and notes."""
        return {
            "elapsed_s": round(self.elapsed_s, 3),
            "figures": [figure.to_json() for figure in self.figures],
            "samples": self.samples,
            "notes": self.notes,
        }


def _number(value: float, unit: str) -> str:
    if unit in ("ms", "bytes", "sessions"):
        return f"{value:.0f}"
    if unit == "x":
        return f"{value:.2f}"
    if unit == "MiB":
        return f"{value:.3f}"
    return f"{value:.1f}"


def format_table(result: ScenarioResult) -> str:
    """The scenario's table: one row per figure with median, p95, worst and count."""
    header = ("figure", "unit", "median", "p95", "worst", "n", "target / note")
    rows: list[tuple[str, ...]] = []
    for figure in result.figures:
        summary = figure.summary()
        remark = " ".join(part for part in (figure.target, f"({figure.note})" if figure.note else "") if part)
        if figure.source not in ("client", ""):
            remark = f"[{figure.source}] {remark}".rstrip()
        if summary is None:
            rows.append((figure.name, figure.unit, "-", "-", "-", "0", remark))
            continue
        rows.append(
            (
                figure.name,
                figure.unit,
                _number(summary.median, figure.unit),
                _number(summary.p95, figure.unit),
                _number(summary.worst, figure.unit),
                str(summary.count),
                remark,
            )
        )
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    numeric = {2, 3, 4, 5}

    def line(row: tuple[str, ...]) -> str:
        cells = [
            cell.rjust(widths[i]) if i in numeric else cell.ljust(widths[i]) for i, cell in enumerate(row)
        ]
        return "  ".join(cells).rstrip()

    title = f"== {result.name} ({result.elapsed_s:.0f} s) "
    out = [title.ljust(max(40, sum(widths) + 2 * (len(widths) - 1)), "="), line(header)]
    out.append("  ".join("-" * w for w in widths))
    out += [line(row) for row in rows]
    out += [f"  {note}" for note in result.notes]
    return "\n".join(out)


def format_report(results: Sequence[ScenarioResult]) -> str:
    """Every scenario's table, one after the other."""
    return "\n\n".join(format_table(result) for result in results)


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    import os

    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }


def to_json(results: Sequence[ScenarioResult], meta: dict[str, Any]) -> dict[str, Any]:
    """The whole run as one JSON document: settings, machine, and each scenario's samples."""
    return {
        "openlive_bench": 1,
        **meta,
        "machine": machine(),
        "scenarios": {result.name: result.to_json() for result in results},
    }


def write_json(path: str | Path, results: Sequence[ScenarioResult], meta: dict[str, Any]) -> None:
    """Write the raw samples and statistics to ``path``."""
    Path(path).write_text(json.dumps(to_json(results, meta), indent=2) + "\n", encoding="utf-8")


def write_plot(path: str | Path, results: Sequence[ScenarioResult], title: str = "openlive bench") -> None:
    """Draw the latency distributions (every ``ms`` figure with samples) as a PNG.

    One panel per scenario; each figure is a box (quartiles, whiskers at the 5th and
    95th percentiles) with its samples scattered over it.

    Raises:
        RuntimeError: matplotlib is not installed.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise RuntimeError("drawing --plot needs matplotlib: pip install matplotlib") from exc
    panels = [
        (result, [f for f in result.figures if f.unit == LATENCY_UNIT and f.values]) for result in results
    ]
    panels = [(result, figures) for result, figures in panels if figures]
    rows = max(1, len(panels))
    heights = [max(1.2, 0.45 * len(figures) + 0.8) for _, figures in panels] or [2.0]
    fig, axes = plt.subplots(
        rows, 1, figsize=(10, sum(heights) + 0.6), squeeze=False, gridspec_kw={"height_ratios": heights}
    )
    if not panels:
        axes[0][0].text(0.5, 0.5, "no latency samples", ha="center", va="center")
        axes[0][0].set_axis_off()
    for (result, figures), row in zip(panels, axes, strict=False):
        ax = row[0]
        data = [figure.values for figure in figures]
        labels = [figure.name for figure in figures]
        positions = list(range(1, len(figures) + 1))
        ax.boxplot(data, positions=positions, orientation="horizontal", whis=(5, 95), showfliers=False)
        for position, values in zip(positions, data, strict=True):
            jitter = [position + 0.18 * (((i * 7919) % 13) / 12 - 0.5) for i in range(len(values))]
            ax.scatter(values, jitter, s=8, alpha=0.5, color="C0")
        ax.set_yticks(positions, labels, fontsize=8)
        ax.invert_yaxis()
        ax.set_title(result.name, fontsize=10, loc="left")
        ax.set_xlabel("ms", fontsize=8)
        ax.grid(axis="x", alpha=0.3)
        ax.set_xlim(left=0)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    fig.savefig(str(path), format="png", dpi=100)
    plt.close(fig)
