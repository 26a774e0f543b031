"""One session's effects: the actions a session returns, carried out through a small port.

- :mod:`~openlive.runtime.runtime`: the action → executor table.
- :mod:`~openlive.runtime.io`: :class:`SessionIO`, the port (send, close, room).
- :mod:`~openlive.runtime.turns`: a reply's tasks, cancelled together; the guard
  that maps failures to close codes.
- :mod:`~openlive.runtime.tool_steps`, :mod:`~openlive.runtime.tools`: tool steps,
  the planner chosen per engine capability.
- :mod:`~openlive.runtime.timers`: time limits and goAway.
- :mod:`~openlive.runtime.checkpoints`, :mod:`~openlive.runtime.resumption`:
  tokens, resumption, saves in order.
- :mod:`~openlive.runtime.accounting`: token counts the session may use (local only).
"""

from openlive.runtime.accounting import TokenAccounts
from openlive.runtime.io import SessionIO
from openlive.runtime.limits import ConnectionLimits
from openlive.runtime.runtime import SessionRuntime

__all__ = ["ConnectionLimits", "SessionIO", "SessionRuntime", "TokenAccounts"]
