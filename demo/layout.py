"""Where everything lives in a demo folder: one place, so the builder, the server and the CLI agree."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SQL_AUTHORITY = "northmoor"
REST_AUTHORITY = "eastbridge"
FILES_AUTHORITY = "westvale"
AUTHORITIES = (SQL_AUTHORITY, REST_AUTHORITY, FILES_AUTHORITY)

REST_CLIENT_ID = "sofs-sync-demo"


@dataclass(frozen=True)
class DemoPaths:
    root: Path

    @property
    def manifest(self) -> Path:
        """What the folder was built from; present only in a folder the demo made."""
        return self.root / "demo.json"

    @property
    def settings(self) -> Path:
        return self.root / "sofs-sync.yaml"

    @property
    def authorities(self) -> Path:
        return self.root / "authorities"

    def authority_file(self, code: str) -> Path:
        return self.authorities / f"{code}.yaml"

    @property
    def store(self) -> Path:
        return self.root / "store.db"

    @property
    def sources(self) -> Path:
        return self.root / "sources"

    @property
    def reporting_db(self) -> Path:
        return self.sources / SQL_AUTHORITY / "reporting.db"

    @property
    def api_data(self) -> Path:
        return self.sources / REST_AUTHORITY

    @property
    def drop_folder(self) -> Path:
        return self.sources / FILES_AUTHORITY

    @property
    def secrets(self) -> Path:
        return self.root / "secrets"

    @property
    def pseudonym_key(self) -> Path:
        return self.secrets / "pseudonym.key"

    @property
    def client_secret(self) -> Path:
        return self.secrets / f"{REST_AUTHORITY}-client-secret"

    @property
    def site(self) -> Path:
        """The published whiteboard; the settings' dashboard.publish_dir, so the daemon republishes it."""
        return self.root / "site"

    def store_files(self) -> list[Path]:
        return [self.store, *(self.store.with_name(self.store.name + s) for s in ("-wal", "-shm"))]
