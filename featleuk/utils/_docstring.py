"""Shared docstring fragments, spliced in the way imbalanced-learn's ``Substitution`` does.

imbalanced-learn writes ``{random_state}`` placeholders and fills them with
``str.format``; featleuk's docstrings are full of numpydoc choice sets such
as ``{"lab", "hsv"}``, which ``format`` would misread, so the placeholders
are ``%(name)s`` and are replaced by name only.
"""

from __future__ import annotations

import re
from textwrap import dedent, indent

__all__ = ["Substitution", "substitute"]

_PLACEHOLDER = re.compile(r"^(?P<indent>[ \t]*)%\((?P<name>\w+)\)s[ \t]*$", re.MULTILINE)


def substitute(doc: str, fragments: dict) -> str:
    """Replace every line ``%(name)s`` of ``doc`` by ``fragments[name]``, indented like the line.

    Placeholders without a fragment are left as they are, so a family base
    class can fill its own and leave the rest to the classes below it.

    Parameters
    ----------
    doc : str
    fragments : dict of str to str
        Fragments written without leading indentation.

    Returns
    -------
    str
    """

    def replace(match):
        fragment = fragments.get(match["name"])
        if fragment is None:
            return match[0]
        return indent(dedent(fragment).strip("\n"), match["indent"])

    return _PLACEHOLDER.sub(replace, doc)


class Substitution:
    """Decorator filling ``%(name)s`` lines of a class's or function's docstring.

    Parameters
    ----------
    **fragments : str
        The text of each placeholder.

    Examples
    --------
    >>> @Substitution(seed="seed : int\\n    The seed.")
    ... def f(seed):
    ...     '''Do it.
    ...
    ...     Parameters
    ...     ----------
    ...     %(seed)s
    ...     '''
    >>> "    The seed." in f.__doc__
    True
    """

    def __init__(self, **fragments):
        self.fragments = fragments

    def __call__(self, obj):
        if obj.__doc__:  # None under python -OO
            obj.__doc__ = substitute(obj.__doc__, self.fragments)
        return obj
