"""Writing report files safely: whole or not at all, names that never crash.

Every report file is written to a temporary name in its folder, flushed to
disk and renamed into place (``os.replace`` is atomic on one file system),
so an interrupted or failed write leaves the previous file untouched and
never a half-written one. A failing write raises an :class:`OSError` that
names the file and, when the disk is full, says so.
"""

from __future__ import annotations

import errno
import os
import secrets
from pathlib import Path

__all__ = ["write_atomic", "write_text_atomic", "save_figure_atomic", "plain_name"]

_NO_SPACE = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}


def _temporary(path: Path) -> Path:
    # Same folder (same file system, so the rename is atomic), same suffix
    # (writers that pick a format by suffix), hidden, unique per process.
    return path.with_name(f".{path.stem}.{os.getpid()}-{secrets.token_hex(4)}.tmp{path.suffix}")


def write_atomic(path, write):
    """Write ``path`` through ``write(handle)`` on a binary temporary file, then rename it.

    Parameters
    ----------
    path : str or Path
        The destination; its folder must exist.
    write : callable
        Called with an open binary file; writes the whole content.

    Returns
    -------
    Path

    Raises
    ------
    OSError
        With the same ``errno``, naming ``path``; the old file (if any) is
        kept and the temporary file removed.
    """
    path = Path(path)
    temporary = _temporary(path)
    try:
        with open(temporary, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        reason = exc.strerror or str(exc)
        hint = ("the disk is full: free some space (or choose another --out) and run again"
                if exc.errno in _NO_SPACE else "check that the folder is writable")
        raise OSError(exc.errno, f"could not write {os.fsdecode(path)!r}: {reason}; {hint}. "
                                 "The previous version of this file, if any, is unchanged",
                      os.fsdecode(path)) from exc
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path


def write_text_atomic(path, text):
    """:func:`write_atomic` of UTF-8 text (characters UTF-8 cannot hold are escaped)."""
    data = str(text).encode("utf-8", "backslashreplace")
    return write_atomic(path, lambda handle: handle.write(data))


def save_figure_atomic(fig, path, *, dpi=150):
    """Save a matplotlib Figure as PNG (or the suffix's format) through :func:`write_atomic`."""
    path = Path(path)
    fmt = path.suffix.lstrip(".").lower() or "png"
    return write_atomic(path, lambda handle: fig.savefig(handle, format=fmt, dpi=dpi,
                                                         bbox_inches="tight"))


def plain_name(name) -> str:
    """A file name or label as printable text that is valid UTF-8.

    ``bytes`` and path-likes are decoded with :func:`os.fsdecode` (which keeps
    undecodable bytes as lone surrogates); surrogates and anything else UTF-8
    cannot hold become ``\\udcff``-style escapes, so a name from a foreign
    file system is shown, not hidden, and never makes a report fail.

    Examples
    --------
    >>> plain_name(b"WBC-\\xff.jpg")
    'WBC-\\\\udcff.jpg'
    """
    if isinstance(name, (bytes, os.PathLike)):
        name = os.fsdecode(name)
    return str(name).encode("utf-8", "backslashreplace").decode("utf-8")
