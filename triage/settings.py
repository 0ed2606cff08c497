"""Typed settings, read from the environment (prefix `TRIAGE_`) by a factory, never at import."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
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
    outcomes_file: Path | None = Field(
        default=None,
        description="A CSV of police_reference and an outcome label (like the synthetic city's "
        "truth.csv) for the analysts' live calibration; unset: no outcome is known",
    )
    outcomes_label: str = Field(
        default="outcome", max_length=64, description="The outcome column in outcomes_file"
    )
    echo_sql: bool = False
    database_statement_seconds: float = Field(
        default=1.5,
        gt=0,
        le=3600,
        description="PostgreSQL: how long one statement may run before it is cancelled, so a "
        "frozen or overloaded database answers 503 quickly instead of hanging requests",
    )
    database_pool_size: int = Field(
        default=20,
        ge=1,
        le=500,
        description="PostgreSQL: connections each process keeps open. A request can hold two "
        "at once (its sign-in check and its write); too few and connections are opened and "
        "closed for every request",
    )
    environment: Literal["development", "production"] = Field(
        default="development",
        description="production refuses unsafe defaults: it needs a secret key of its own",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Signs sign-in tokens, form tokens and analysts' pseudonyms (32+ characters). "
        "Unset in development: a fresh one each start, so sign-ins end when the service stops",
    )
    token_minutes: int = Field(default=30, ge=1, le=24 * 60, description="How long a sign-in lasts")
    secure_cookies: bool = Field(
        default=False, description="Send the sign-in cookie over HTTPS only (set behind TLS)"
    )
    revet_seconds: float = Field(
        default=60,
        ge=0,
        description="How often the service re-vets open episodes whose time thresholds have "
        "passed and retries failed vettings; 0 turns the service's own schedule off",
    )

    @property
    def token_lifetime(self) -> timedelta:
        return timedelta(minutes=self.token_minutes)

    @field_validator("model_dir", "outcomes_file", mode="before")
    @classmethod
    def _empty_means_none(cls, value: object) -> object:
        return None if value in ("", None) else value

    @model_validator(mode="after")
    def _safe_in_production(self) -> Settings:
        if self.environment == "production":
            if self.secret_key is None or len(self.secret_key.get_secret_value()) < 32:
                raise ValueError("TRIAGE_SECRET_KEY (32+ characters) is required in production")
            if not self.secure_cookies:
                raise ValueError("TRIAGE_SECURE_COOKIES must be true in production (HTTPS only)")
        elif self.secret_key is not None and len(self.secret_key.get_secret_value()) < 32:
            raise ValueError("TRIAGE_SECRET_KEY must be at least 32 characters")
        return self


def get_settings(**overrides: object) -> Settings:
    """Build settings from the environment, with explicit overrides winning (used by tests)."""
    return Settings(**overrides)  # type: ignore[arg-type]
