"""Content-addressed originals: byte-for-byte, idempotent, no path escapes."""

from __future__ import annotations

from pathlib import Path

import pytest

from minhchung.ingest.blobstore import BlobStore
from minhchung.ingest.errors import InvalidBlobIdError
from minhchung.ingest.intake import sha256_hex


def test_put_is_content_addressed_and_byte_exact(tmp_path: Path):
    store = BlobStore(tmp_path)
    data = bytes(range(256)) * 100
    sha = store.put(data)
    assert sha == sha256_hex(data)
    assert store.path(sha) == tmp_path / sha[:2] / sha[2:4] / sha
    assert store.read(sha) == data
    with store.open(sha) as handle:
        assert handle.read() == data
    assert store.exists(sha)


def test_duplicate_bytes_give_the_same_blob(tmp_path: Path):
    store = BlobStore(tmp_path)
    first = store.put(b"%PDF-1.7 cong van")
    modified = store.path(first).stat().st_mtime_ns
    assert store.put(b"%PDF-1.7 cong van") == first
    assert store.path(first).stat().st_mtime_ns == modified
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == [first]


def test_delete(tmp_path: Path):
    store = BlobStore(tmp_path)
    sha = store.put(b"x")
    assert store.delete(sha) and not store.exists(sha) and not store.delete(sha)


@pytest.mark.parametrize("bad", ["../../etc/passwd", "ab" * 31 + "/x", "A" * 64, "0" * 63, "g" * 64, ""])
def test_only_sha256_ids_become_paths(tmp_path: Path, bad: str):
    store = BlobStore(tmp_path)
    with pytest.raises(InvalidBlobIdError) as caught:
        store.path(bad)
    assert "64 hexadecimal" in caught.value.message_en
    with pytest.raises(InvalidBlobIdError):
        store.read(bad)
