"""``python -m gowasm``: the gowasm command line."""

import sys

from ._tools.cli import main

sys.exit(main())
