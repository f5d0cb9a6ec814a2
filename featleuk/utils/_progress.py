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

    Parameters
    ----------
    iterable : iterable or None, default=None
        What to iterate over; ``None`` gives a bar that the caller advances
        with ``bar.update(n)`` (use it as a context manager).
    total : int or None, default=None
        Expected number of items (the bar's 100 %).
    desc : str or None, default=None
        Label shown before the bar.
    enabled : bool, default=True
        The caller's switch (a step's ``show_progress``); the environment
        can only turn a bar off, never force on one the caller disabled.
    unit : str, default="img"
        Name of one item in the rate display.
    initial : int, default=0
        Items already done when the bar starts.

    Returns
    -------
    tqdm.auto.tqdm
        The bar; iterating it iterates ``iterable``.

    Examples
    --------
    >>> from featleuk.utils import progress
    >>> sum(progress(range(5), total=5, enabled=False))
    10
    >>> with progress(total=3, desc="hashing", enabled=False) as bar:
    ...     for _ in range(3):
    ...         _ = bar.update(1)
    """
    setting = os.environ.get("FEATLEUK_PROGRESS")
    if setting is not None:
        enabled = enabled and setting not in ("0", "false", "no", "")
        disable = not enabled
    else:
        disable = (not enabled) or not sys.stderr.isatty()
    return tqdm(iterable, total=total, desc=desc, disable=disable, unit=unit, leave=False, initial=initial,
                dynamic_ncols=True)
