"""Atomic file writes: no partial file ever stands under its final name."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import BinaryIO

_UMASK = os.umask(0)
os.umask(_UMASK)


def _write(handle: BinaryIO, chunk: bytes) -> int:
    handle.write(chunk)
    return len(chunk)


def atomic_write_chunks(path: Path, chunks: Iterable[bytes],
                        write: Callable[[BinaryIO, bytes], int] = _write) -> int:
    """Write ``chunks`` to a temporary file beside ``path``, fsync it, then rename it into
    place; on any failure the temporary file is removed. Returns the size written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    size = 0
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)  # mkstemp's 0600 would hide files from colleagues
        with os.fdopen(fd, "wb") as handle:
            for chunk in chunks:
                size += write(handle, chunk)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)  # make the rename itself durable
    finally:
        os.close(dir_fd)
    return size


def atomic_write_bytes(path: Path, data: bytes) -> None:
    atomic_write_chunks(path, [data])


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def keep_mode_of(reference: Path, *paths: Path) -> None:
    """Give ``paths`` (folders with everything in them, or files) the permissions of the folder
    ``reference`` (files without its execute bits): what the kit derives from ``data/`` is read
    by no one who cannot read ``data/``."""
    folder_mode = Path(reference).stat().st_mode & 0o777
    file_mode = folder_mode & 0o666
    for path in paths:
        if not path.exists():
            continue
        items = [path, *path.rglob("*")] if path.is_dir() else [path]
        for item in items:
            if not item.is_symlink():
                os.chmod(item, folder_mode if item.is_dir() else file_mode)
