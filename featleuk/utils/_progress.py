"""One progress-bar policy for every long loop in featleuk."""

from __future__ import annotations

import os
import sys

from tqdm.auto import tqdm


def progress(iterable=None, *, total=None, desc=None, enabled=True, unit="img", initial=0):
    """Wrap ``iterable`` in a tqdm bar.

    The bar is shown when ``enabled`` is true and stderr is a terminal (or
    ``FEATLEUK_PROGRESS=1``); ``FEATLEUK_PROGRESS=0`` turns all bars off, which
    is what CI logs want. ``initial`` items count as done from the start
    (e.g. rows found in a cache).
    """
    setting = os.environ.get("FEATLEUK_PROGRESS")
    if setting is not None:
        enabled = enabled and setting not in ("0", "false", "no", "")
        disable = not enabled
    else:
        disable = (not enabled) or not sys.stderr.isatty()
    return tqdm(iterable, total=total, desc=desc, disable=disable, unit=unit, leave=False, initial=initial,
                dynamic_ncols=True)
