"""``python -m featleuk``: the ``featleuk`` console script."""

import sys

from .cli import main

sys.exit(main())
