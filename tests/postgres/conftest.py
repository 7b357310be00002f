"""Several real ``python -m sync_server serve`` processes on one PostgreSQL database.

The cluster is started once per module: three processes launched at the same moment on an
EMPTY database (so they race to migrate it) and one shared blob directory (so they race to
create the secret key beside it). Users, a site and the sample checklist are set up through
the operations interface of the first process.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support import postgres
from tests.support.server_process import ServerProcess
from tests.support.threads import run_in_threads

PASSWORD = "a long enough password"
DISTRICT = "TX Phổ Yên"
PROCESSES = 3


@dataclass
class Cluster:
    database_url: str
    blob_dir: Path
    servers: list[ServerProcess]
    tokens: dict[str, str] = field(default_factory=dict)
    clients: list[httpx.Client] = field(default_factory=list)

    def headers(self, user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    def client(self, i: int) -> httpx.Client:
        """An HTTP client of server process ``i`` (modulo the number of processes)."""
        return self.clients[i % len(self.clients)]

    def query(self, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        return postgres.query(self.database_url, statement, params)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    postgres.require_postgres()
    directory = tmp_path_factory.mktemp("cluster")
    name = postgres.unique_name("sync_cluster")
    url = postgres.create_database(name)
    blob_dir = directory / "shared" / "blobs"
    servers = [
        ServerProcess(directory / f"p{i}", SYNC_DATABASE_URL=url, SYNC_BLOB_DIR=str(blob_dir), SYNC_PG_POOL_SIZE="4")
        for i in range(PROCESSES)
    ]
    try:
        run_in_threads(ServerProcess.start, [(s,) for s in servers])  # all at once; each waits until healthy
        first = servers[0]
        first.create_user("an", PASSWORD, "inspector", [DISTRICT])
        first.create_user("sup", PASSWORD, "supervisor", [DISTRICT])
        first.add_site_and_sample_checklist(directory, DISTRICT)
        cluster = Cluster(database_url=url, blob_dir=blob_dir, servers=servers)
        # tokens issued by one process are honoured by the others (shared database and secret)
        cluster.tokens = {"an": servers[1].token("an", PASSWORD), "sup": servers[2].token("sup", PASSWORD)}
        cluster.clients = [httpx.Client(base_url=s.base_url, timeout=60) for s in servers]
        yield cluster
        for c in cluster.clients:
            c.close()
    finally:
        for s in servers:
            s.stop()
        postgres.drop_database(name)
