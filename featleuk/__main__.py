"""``python -m featleuk``: the ``featleuk`` console script."""

import sys

from .cli import main

# The guard keeps ``import featleuk.__main__`` (pkgutil walks, the docs'
# autosummary) from running the CLI.
if __name__ == "__main__":
    sys.exit(main())
