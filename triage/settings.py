"""Typed settings, read from the environment (prefix `TRIAGE_`) by a factory, never at import."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATA_DIR = Path("var")


class Settings(BaseSettings):
    """Everything the service needs to know about where it runs."""

    model_config = SettingsConfigDict(env_prefix="TRIAGE_", extra="ignore", frozen=True)

    database_url: str = Field(
        default=f"sqlite:///{DEFAULT_DATA_DIR / 'triage.db'}",
        description="SQLAlchemy URL: a SQLite file by default, postgresql+psycopg://... live",
    )
    home_authority: str = Field(
        default="Birmingham",
        description="The local authority this service vets for; others are 'another authority'",
    )
    rules_dir: Path = Field(default=Path("rules"), description="The rule files in force")
    model_dir: Path | None = Field(
        default=Path("models/synthetic-city"),
        description="The scored model in force (a folder holding model.json); unset for none",
    )
    echo_sql: bool = False

    @field_validator("model_dir", mode="before")
    @classmethod
    def _empty_means_none(cls, value: object) -> object:
        return None if value in ("", None) else value


def get_settings(**overrides: object) -> Settings:
    """Build settings from the environment, with explicit overrides winning (used by tests)."""
    return Settings(**overrides)  # type: ignore[arg-type]
