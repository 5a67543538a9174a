"""Service settings from the environment (pydantic-settings); invalid values fail at startup."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every field reads the upper-case environment variable of its name (REDIS_URL, ARTIFACTS_DIR, ...)."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", case_sensitive=False)

    artifacts_dir: Path = Field(Path("artifacts"), description="artifact root (with `latest`) or a version folder")
    redis_url: str | None = Field(None, description="redis://host:port/db; unset = embedded in-process store")
    ort_providers: str = Field("CPUExecutionProvider", description="comma-separated, in order of preference")
    # One intra-op thread: a single-user step is too small to split, and requests already run in parallel.
    ort_threads: int = Field(1, ge=0, description="ONNX Runtime intra-op threads; 0 = library default")
    max_k: int = Field(100, ge=1, le=10_000)
    max_batch_events: int = Field(256, ge=1, le=100_000)
    history_cap: int = Field(1000, ge=1, description="events kept per user (newest)")
    state_ttl_seconds: int = Field(0, ge=0, description="expire idle users' state; 0 = never")
    stream_key: str = "hr:events"
    stream_maxlen: int = Field(1_000_000, ge=1, description="approximate cap of the event stream")
    cas_retries: int = Field(50, ge=1, description="compare-and-set attempts per update before 503")
    redis_timeout_seconds: float = Field(2.0, gt=0)
    verify_hashes: bool = True
    log_level: str = "INFO"

    @field_validator("ort_providers")
    @classmethod
    def _providers(cls, v: str) -> str:
        if not [p for p in v.split(",") if p.strip()]:
            raise ValueError(
                "ORT_PROVIDERS must name at least one provider, e.g. CUDAExecutionProvider,CPUExecutionProvider"
            )
        return v

    @property
    def providers(self) -> list[str]:
        return [p.strip() for p in self.ort_providers.split(",") if p.strip()]
