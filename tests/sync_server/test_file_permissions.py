"""The registry's files are readable by the server's user only: the SQLite database, its WAL and
shared-memory files, every blob and the secret key 0600, the directories the server makes 0700."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from sync_server.core import blobs
from sync_server.core.access import SYSTEM
from sync_server.core.config import ServerConfig, load_or_create_secret
from sync_server.core.server import Server
from tests.sync_server.helpers import png_bytes, sha


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_database_wal_blobs_and_key_are_private_even_under_a_permissive_umask(tmp_path: Path) -> None:
    old = os.umask(0o002)
    try:
        data = tmp_path / "fresh" / "var"
        server = Server.open(
            ServerConfig(database_url=f"sqlite:///{data / 'registry.db'}", blob_dir=data / "blobs", secret_key="k")
        )
        try:
            photo = png_bytes(seed=77)
            blobs.append(server.db, server.blobs, SYSTEM, sha(photo), 0, len(photo), photo[:100], 10**6)
            partial = data / "blobs" / "partial" / sha(photo)
            assert mode(partial) == 0o600
            blobs.append(server.db, server.blobs, SYSTEM, sha(photo), 100, len(photo), photo[100:], 10**6)
            stored = server.blobs.path(sha(photo))
            files = [data / "registry.db", data / "registry.db-wal", data / "registry.db-shm", stored]
            assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}
            dirs = [tmp_path / "fresh", data, data / "blobs", data / "blobs" / "partial", stored.parent]
            assert {str(d): mode(d) for d in dirs} == {str(d): 0o700 for d in dirs}
        finally:
            server.close()
        load_or_create_secret(tmp_path / "keys")
        assert mode(tmp_path / "keys") == 0o700 and mode(tmp_path / "keys" / "secret.key") == 0o600
    finally:
        os.umask(old)


def test_a_world_readable_database_of_an_earlier_version_is_narrowed_on_start(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'registry.db'}"
    Server.open(ServerConfig(database_url=url, blob_dir=tmp_path / "blobs", secret_key="k")).close()
    for name in ("registry.db", "registry.db-wal", "registry.db-shm"):
        if (tmp_path / name).exists():
            os.chmod(tmp_path / name, 0o644)
    server = Server.open(ServerConfig(database_url=url, blob_dir=tmp_path / "blobs", secret_key="k"))
    try:
        present = [p for p in tmp_path.glob("registry.db*")]
        assert present and all(mode(p) == 0o600 for p in present)
    finally:
        server.close()
