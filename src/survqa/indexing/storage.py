"""Plain-file storage of an index folder: checksums, manifest, atomic replacement.

A folder is written complete under a temporary sibling name, checksummed, then
swapped in with renames, so a reader never sees half an index. A crash between
the two renames leaves the previous folder under ``.<name>.old-*``, which
:func:`recover` puts back.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from survqa.errors import IndexDamagedError

logger = logging.getLogger(__name__)

MANIFEST = "manifest.json"


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def checksums(folder: Path) -> dict[str, dict[str, Any]]:
    """sha256 and size of every file below ``folder`` except the manifest."""
    found = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = path.relative_to(folder).as_posix()
        if name != MANIFEST:
            found[name] = {"sha256": sha256_file(path), "bytes": path.stat().st_size}
    return found


def write_json(path: Path, data: Any, *, compact: bool = False) -> None:
    """JSON with sorted keys (the same data gives the same bytes), fsynced."""
    layout: dict[str, Any] = {"separators": (",", ":")} if compact else {"indent": 1}
    with path.open("w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False, sort_keys=True, **layout)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())


def read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IndexDamagedError(
            f"{path} is unreadable ({exc}); rebuild with `survqa index --rebuild`"
        ) from exc
    if not isinstance(data, dict):
        raise IndexDamagedError(
            f"{path} is not a JSON object; rebuild with `survqa index --rebuild`"
        )
    return data


def verified_bytes(folder: Path, name: str, manifest: dict[str, Any]) -> bytes:
    """A file's bytes, read once and checked against the manifest before any parser sees them."""
    expected = manifest.get("files", {}).get(name)
    if expected is None:
        raise IndexDamagedError(f"{folder}: the manifest lists no file {name!r}; rebuild the index")
    path = folder / name
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IndexDamagedError(
            f"{path} is missing ({exc}); rebuild with `survqa index --rebuild`"
        ) from exc
    if len(data) != expected["bytes"] or sha256_bytes(data) != expected["sha256"]:
        raise IndexDamagedError(
            f"{path} fails its checksum (truncated or altered); "
            "rebuild with `survqa index --rebuild`"
        )
    return data


def verify_all(folder: Path, manifest: dict[str, Any]) -> list[str]:
    """Names of the manifest's files that are missing or fail their checksum."""
    bad = []
    for name in manifest.get("files", {}):
        try:
            verified_bytes(folder, name, manifest)
        except IndexDamagedError:
            bad.append(name)
    return bad


def _fsync_tree(folder: Path) -> None:
    for path in [*folder.rglob("*"), folder]:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def recover(target: Path) -> None:
    """Put back a previous index left aside by a crash between the two renames."""
    if target.exists() or not any(target.parent.glob(f".{target.name}.old-*")):
        return
    with index_lock(target):  # never while a live builder is between its two renames
        _restore(target)


def _restore(target: Path) -> None:
    if target.exists():
        return
    for old in sorted(target.parent.glob(f".{target.name}.old-*"), reverse=True):
        if (old / MANIFEST).is_file():
            logger.warning("restoring the previous index from %s", old)
            old.rename(target)
            return


def remove_debris(target: Path) -> None:
    """Delete temporary folders of interrupted builds (never read as an index)."""
    for pattern in (f".{target.name}.tmp-*", f".{target.name}.old-*"):
        for path in target.parent.glob(pattern):
            shutil.rmtree(path, ignore_errors=True)


_registry = threading.Lock()
_thread_locks: dict[Path, threading.RLock] = {}
_depth: dict[Path, int] = {}
_handles: dict[Path, IO[str]] = {}


@contextlib.contextmanager
def index_lock(target: Path) -> Iterator[None]:
    """One writer at a time per index folder: across processes (``flock`` on a file beside
    the folder) and across threads; re-entrant in the thread that holds it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    key = target.resolve()
    with _registry:
        lock = _thread_locks.setdefault(key, threading.RLock())
    with lock:
        if _depth.get(key, 0) == 0:
            handle = (target.parent / f".{target.name}.lock").open("w")
            fcntl.flock(handle, fcntl.LOCK_EX)
            _handles[key] = handle
        _depth[key] = _depth.get(key, 0) + 1
        try:
            yield
        finally:
            _depth[key] -= 1
            if _depth[key] == 0:
                handle = _handles.pop(key)
                fcntl.flock(handle, fcntl.LOCK_UN)
                handle.close()


@contextlib.contextmanager
def atomic_folder(target: Path) -> Iterator[Path]:
    """Yield an empty temporary folder; on success it replaces ``target`` atomically.

    The caller holds :func:`index_lock`: debris of interrupted builds is cleared first.
    """
    _restore(target)
    remove_debris(target)
    tmp = target.parent / f".{target.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        yield tmp
        _fsync_tree(tmp)
        old = target.parent / f".{target.name}.old-{os.getpid()}"
        if target.exists():
            target.rename(old)
        tmp.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
