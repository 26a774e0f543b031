"""``python -m openlive``."""

import sys

from openlive.cli import main

sys.exit(main())
