"""The application's settings: one object, read from environment variables and a TOML file.

Precedence (highest first): explicit arguments, environment variables (``MINHCHUNG_*``, nested
with ``__``, e.g. ``MINHCHUNG_INGEST__OCR__DPI=400``), the TOML file
(``$MINHCHUNG_CONFIG`` or ``<home>/minhchung.toml``), defaults. ``MINHCHUNG_HOME`` is the data
folder (default ``./data``). The object is built once per command and passed down; layers below
receive only their own section.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

from minhchung.index.settings import IndexSettings
from minhchung.ingest.settings import IngestSettings
from minhchung.nlp.settings import SuggestSettings

Level = Literal["mam_non", "tieu_hoc", "thcs", "thpt", "nhieu_cap", "gdtx"]


class SchoolDefaults(BaseModel):
    """What a fresh data folder starts with, so no command asks set-up questions."""

    name: str = "Trường của tôi"
    level: Level = "thcs"
    school_year: str = "2026-2027"
    framework: str | None = Field(None, description="default: TT57 for the school's level")


class AuthSettings(BaseModel):
    session_hours: float = Field(8.0, description="a login expires after this long")
    max_failed_logins: int = Field(5, description="failed attempts before the account is locked")
    lockout_minutes: float = 15.0
    initial_admin_password: str | None = Field(None, description="else a one-time password is printed")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MINHCHUNG_", env_nested_delimiter="__", extra="ignore")

    home: Path = Field(Path("data"), description="data folder: database, originals, index")
    database_url: str | None = Field(None, description="default: SQLite file in the data folder")
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    index: IndexSettings = Field(default_factory=IndexSettings)
    suggest: SuggestSettings = Field(default_factory=SuggestSettings)
    school: SchoolDefaults = Field(default_factory=SchoolDefaults)
    auth: AuthSettings = Field(default_factory=AuthSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=config_file())
        return init_settings, env_settings, toml

    @property
    def data_dir(self) -> Path:
        return self.home.resolve()

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'minhchung.db'}"

    @property
    def originals_dir(self) -> Path:
        return self.data_dir / "originals"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def inbox_dir(self) -> Path:
        return self.data_dir / "inbox"

    @property
    def frameworks_override_dir(self) -> Path:
        return self.data_dir / "frameworks"


def config_file() -> Path:
    """The TOML file in force: ``$MINHCHUNG_CONFIG``, else ``<home>/minhchung.toml``."""
    explicit = os.environ.get("MINHCHUNG_CONFIG")
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("MINHCHUNG_HOME", "data")) / "minhchung.toml"
