"""Where media files live: a small interface, and files in the data folder as its one implementation.

Files are named by their content (SHA-256 and an extension), so one picture uploaded twice is stored once
and a name never points at other bytes. An object store can implement the same methods later.

Because two rows may share one file, the order of writes is what keeps a file from going while it is
wanted: a row naming a key is committed before the file is stored, and a file is removed with
`remove_unless`, which moves it aside, asks again whether a row names it, and puts it back if one does.
A process that dies in between leaves the file aside: `recover_interrupted` puts such files back (and drops
half-written ones), and the stray-file sweep of `fedaid media prune` then decides as for any file.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Protocol

from fedaid.clock import utcnow

EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "application/pdf": "pdf",
}
CONTENT_TYPES = {extension: content_type for content_type, extension in EXTENSIONS.items()}
_KEY = re.compile(r"[0-9a-f]{64}\.(?:jpg|png|gif|webp|pdf)")
_ASIDE = re.compile(r"\.leaving-[0-9a-f]{16}-(?P<key>[0-9a-f]{64}\.(?:jpg|png|gif|webp|pdf))")
INTERRUPTED_AFTER = 600.0  # seconds: a removal or a write still under way is never older than this


def key_for(data: bytes, content_type: str) -> str:
    """The content-addressed name of `data`: its SHA-256 in hex, then the extension of its type."""
    return f"{hashlib.sha256(data).hexdigest()}.{EXTENSIONS[content_type]}"


def is_key(name: str) -> bool:
    return _KEY.fullmatch(name) is not None


def content_type_of(key: str) -> str:
    return CONTENT_TYPES[key.rsplit(".", 1)[1]]


class FileStore(Protocol):
    def put(self, data: bytes, content_type: str) -> str:
        """Store `data` (once) and return its key."""

    def path_of(self, key: str) -> Path | None:
        """Where the file can be read from, None when it is not stored."""

    async def remove_unless(self, key: str, still_used: Callable[[], Awaitable[bool]]) -> bool:
        """Remove the file unless `still_used()` is true once it is out of reach; True when it went."""

    def keys(self) -> list[str]:
        """Every stored key (for pruning)."""

    def recover_interrupted(self) -> int:
        """Put back files a dead process left aside while removing them, drop half-written ones; how many."""


class LocalFileStore:
    """Files under `<root>/<first two hex digits>/<key>`, written atomically (a temporary file, then a rename)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if not is_key(key):
            raise ValueError(f"{key!r} is not a media file key")
        return self.root / key[:2] / key

    def put(self, data: bytes, content_type: str) -> str:
        key = key_for(data, content_type)
        path = self._path(key)
        if path.exists():
            return key
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.chmod(temporary, 0o644)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return key

    def path_of(self, key: str) -> Path | None:
        if not is_key(key):
            return None
        path = self._path(key)
        return path if path.is_file() else None

    async def remove_unless(self, key: str, still_used: Callable[[], Awaitable[bool]]) -> bool:
        if not is_key(key):
            return False
        path = self._path(key)
        aside = path.with_name(f".leaving-{os.urandom(8).hex()}-{key}")
        try:
            os.rename(path, aside)
        except FileNotFoundError:
            return False
        # A row committed before this point is seen now; one committed after it stores its file again.
        if await still_used():
            os.replace(aside, path)
            return False
        aside.unlink()
        return True

    def keys(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(path.name for path in self.root.glob("??/*") if is_key(path.name))

    def recover_interrupted(self) -> int:
        if not self.root.is_dir():
            return 0
        recovered = 0
        for path in self.root.glob("??/.*"):
            try:
                if utcnow().timestamp() - path.stat().st_mtime < INTERRUPTED_AFTER:
                    continue  # perhaps still under way in another process
                aside = _ASIDE.fullmatch(path.name)
                if aside is not None and not (path.parent / aside["key"]).exists():
                    os.replace(path, path.parent / aside["key"])
                else:  # a half-written file, or bytes already stored again under the same key
                    path.unlink()
            except FileNotFoundError:
                continue  # another process finished it meanwhile
            recovered += 1
        return recovered
