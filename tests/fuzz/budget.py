"""How many examples each fuzz property runs: a share of ``--fuzz-examples``, set by conftest."""

from __future__ import annotations

# Examples over all properties in the default run (part of make test): under ~30 s
# together on a loaded 2-core machine.
DEFAULT_TOTAL = 400

# A session example feeds up to five frames through the parser and the session,
# so it gets fewer examples than the parser alone.
SHARES = {"wire": 0.60, "session": 0.25, "images": 0.10, "tools": 0.05}

total = DEFAULT_TOTAL


def examples(prop: str) -> int:
    """The examples ``prop`` runs: its share of the total, at least one."""
    return max(1, round(total * SHARES[prop]))
