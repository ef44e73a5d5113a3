"""Content-addressed store of original files, kept byte for byte.

Originals are the system's ground truth: text, fields and vectors can always be rebuilt from
them. A blob lives at ``root/ab/cd/<sha256>``; the name is the content, so storing the same
bytes twice is a no-op and two processes storing the same file at once cannot corrupt it
(each writes its own temporary file, fsyncs it, then renames it atomically into place).
Ids are validated before they touch the file system, so no id can escape ``root``.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import BinaryIO

from minhchung.ingest.errors import InvalidBlobIdError
from minhchung.ingest.intake import sha256_hex

_SHA256 = re.compile(r"[0-9a-f]{64}")


class BlobStore:
    """Originals under ``root``, addressed by the lower-case hex sha256 of their bytes."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, sha: str) -> Path:
        """Where blob ``sha`` lives (whether or not it exists); refuses anything but a sha256."""
        if not isinstance(sha, str) or not _SHA256.fullmatch(sha):
            raise InvalidBlobIdError(str(sha))
        return self.root / sha[:2] / sha[2:4] / sha

    def put(self, data: bytes) -> str:
        """Store ``data`` (idempotent) and return its sha256."""
        sha = sha256_hex(data)
        target = self.path(sha)
        if target.exists() and target.stat().st_size == len(data):
            return sha
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        _fsync_directory(target.parent)
        return sha

    def exists(self, sha: str) -> bool:
        return self.path(sha).is_file()

    def open(self, sha: str) -> BinaryIO:
        """A binary read handle on blob ``sha`` (``FileNotFoundError`` if absent)."""
        return self.path(sha).open("rb")

    def read(self, sha: str) -> bytes:
        return self.path(sha).read_bytes()

    def delete(self, sha: str) -> bool:
        """Remove blob ``sha``; True if it existed."""
        target = self.path(sha)
        if not target.exists():
            return False
        target.unlink()
        return True


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable (POSIX: fsync the containing directory)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
