"""Backup targets: a local folder or object storage (S3, Aliyun OSS through its S3 endpoint).

Writes never leave a partial file under its final name: a local file is written to a temporary
name, fsynced and renamed; an object is uploaded whole (an aborted upload leaves nothing).
Credentials for object storage come from the environment (AWS_ACCESS_KEY_ID, …), never from
decomkit.toml.
"""

from __future__ import annotations

import builtins
import errno
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from decomkit.core.errors import OutOfSpace, StorageError
from decomkit.core.files import atomic_write_chunks
from decomkit.core.said import said_error
from decomkit.proof.keys import os_reason

CHUNK = 1 << 20  # bytes read or written at a time: memory stays bounded


class Store:
    """One backup target; paths inside it are '/'-separated and relative."""

    def __init__(self, url: str, endpoint_url: str = ""):
        import fsspec

        options: dict[str, object] = {}
        if url.startswith(("s3://", "oss://")):
            url = "s3://" + url.split("://", 1)[1]
            # Verification must see the target as it is now, not a cached listing.
            options.update(use_listings_cache=False, skip_instance_cache=True)
            if endpoint_url:
                options["client_kwargs"] = {"endpoint_url": endpoint_url}
        self.url = url.rstrip("/")
        self.fs, self.root = fsspec.core.url_to_fs(self.url, **options)
        from fsspec.implementations.local import LocalFileSystem

        self.local = isinstance(self.fs, LocalFileSystem)

    def _full(self, path: str) -> str:
        return f"{self.root}/{path}" if path else self.root

    def write(self, path: str, chunks: Iterable[bytes]) -> int:
        """Store ``chunks`` under ``path`` all at once or not at all; return the size."""
        try:
            return self._write_local(path, chunks) if self.local else self._write_object(path,
                                                                                         chunks)
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                raise said_error(OutOfSpace, "custody.out_of_space", url=self.url,
                                 path=path) from None
            raise said_error(StorageError, "custody.cannot_write", path=path, url=self.url,
                             detail=os_reason(exc, str(exc))) from None

    def _write_local(self, path: str, chunks: Iterable[bytes]) -> int:
        return atomic_write_chunks(Path(self._full(path)), chunks, self._write_chunk)

    def _write_object(self, path: str, chunks: Iterable[bytes]) -> int:
        handle = self.fs.open(self._full(path), "wb")
        size = 0
        try:
            for chunk in chunks:
                size += self._write_chunk(handle, chunk)
        except BaseException:
            handle.discard()  # abort the upload: no object appears
            raise
        handle.close()
        return size

    def _write_chunk(self, handle: BinaryIO, chunk: bytes) -> int:
        """One chunk to the open file; tests override this to inject failures."""
        handle.write(chunk)
        return len(chunk)

    def open(self, path: str) -> BinaryIO:
        return self.fs.open(self._full(path), "rb")

    def read_chunks(self, path: str) -> Iterator[bytes]:
        with self.open(path) as handle:
            while chunk := handle.read(CHUNK):
                yield chunk

    def read_bytes(self, path: str) -> bytes:
        return b"".join(self.read_chunks(path))

    def size(self, path: str) -> int:
        return int(self.fs.size(self._full(path)))

    def exists(self, path: str) -> bool:
        return self.fs.exists(self._full(path))

    def list(self, prefix: str) -> list[str]:
        """Every file below ``prefix``, as paths relative to the store."""
        full = self._full(prefix)
        if not self.fs.exists(full):
            return []
        root = self.fs._strip_protocol(self.root).rstrip("/") + "/"
        found = self.fs.find(full)
        return sorted(self.fs._strip_protocol(p)[len(root):] for p in found)

    def folders(self, prefix: str) -> builtins.list[str]:  # `list` here is the method above
        full = self._full(prefix)
        if not self.fs.exists(full):
            return []
        entries = self.fs.ls(full, detail=True)
        return sorted(e["name"].rstrip("/").rsplit("/", 1)[-1] for e in entries
                      if e["type"] == "directory")

    def confined(self, path: str, within: str) -> bool:
        """Whether ``path`` stays inside the folder ``within`` of the store once symlinks are
        followed (object stores have none)."""
        if not self.local:
            return True
        base = Path(self._full(within)).resolve()
        target = Path(self._full(path))
        return not target.is_symlink() and target.resolve().is_relative_to(base)

    def delete(self, prefix: str) -> None:
        full = self._full(prefix)
        if self.fs.exists(full):
            self.fs.rm(full, recursive=True)


def chunks_of(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            yield chunk
