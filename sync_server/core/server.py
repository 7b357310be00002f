"""The running server's resources in one object: configuration, database, auth settings and
blob store. The HTTP app keeps one in ``app.state.server``; the CLI opens one per command;
the console (``sync_server.console``) reads it from ``request.app.state.server``."""

from __future__ import annotations

from dataclasses import dataclass

from sync_server.core import local_time, record_settings
from sync_server.core.auth import AuthSettings
from sync_server.core.blobs import BlobStore, FilesystemBlobStore
from sync_server.core.config import ServerConfig
from sync_server.core.db import Database, open_database
from sync_server.core.migrations import migrate


@dataclass
class Server:
    config: ServerConfig
    db: Database
    auth: AuthSettings
    blobs: BlobStore

    @classmethod
    def open(cls, config: ServerConfig) -> Server:
        """Open the database (creating and migrating it) and the blob store; set the zone of
        the days people read (``local_time``)."""
        local_time.configure(config.timezone)
        record_settings.configure(
            config.record_number_format, config.agency_parent, config.agency_name, config.place_name
        )
        db = open_database(config)
        try:
            migrate(db)
        except BaseException:
            db.close()
            raise
        return cls(
            config=config, db=db, auth=AuthSettings.from_config(config), blobs=FilesystemBlobStore(config.blob_dir)
        )

    def close(self) -> None:
        self.db.close()
