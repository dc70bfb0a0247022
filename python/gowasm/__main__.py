"""``python -m gowasm``: the gowasm command line."""

import sys

from ._cli import main

sys.exit(main())
