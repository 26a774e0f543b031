"""Budget and report for the fuzz suite.

``pytest tests/fuzz`` runs a small fixed budget (part of ``make test``);
``pytest tests/fuzz --fuzz-examples=100000`` (``make fuzz``) is the long run, the
examples shared out between the properties (``budget.py``). Either way the
summary says how many examples each property ran and how long.
"""

from __future__ import annotations

import time
from collections import Counter

import pytest
from hypothesis import HealthCheck, settings

from . import budget

_counts: Counter[str] = Counter()
_seconds: dict[str, float] = {}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--fuzz-examples",
        type=int,
        default=None,
        help=f"examples over all fuzz properties (default {budget.DEFAULT_TOTAL}; make fuzz runs 100000)",
    )


def pytest_configure(config: pytest.Config) -> None:
    # Read when the test modules are imported, after this hook.
    budget.total = config.getoption("--fuzz-examples", None) or budget.DEFAULT_TOTAL
    settings.register_profile(
        "openlive-fuzz",
        # Timing is not a property here, and the machine is shared.
        deadline=None,
        database=None,
        print_blob=True,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
            # The example counter is meant to be shared by every example of a test.
            HealthCheck.function_scoped_fixture,
        ],
    )
    settings.load_profile("openlive-fuzz")


@pytest.fixture
def count_example(request: pytest.FixtureRequest) -> object:
    """Call once per example; the terminal summary reports the counts."""
    name = request.node.name
    start = time.perf_counter()

    def count() -> None:
        _counts[name] += 1

    yield count
    _seconds[name] = _seconds.get(name, 0.0) + time.perf_counter() - start


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _counts:
        return
    terminalreporter.section("fuzz")
    for name, count in sorted(_counts.items()):
        seconds = _seconds.get(name, 0.0)
        rate = count / seconds if seconds else 0.0
        terminalreporter.write_line(f"{name}: {count} examples in {seconds:.1f} s ({rate:.0f}/s)")
    total_s = sum(_seconds.values())
    terminalreporter.write_line(f"total: {sum(_counts.values())} examples in {total_s:.1f} s")
