"""config/ddas_api.yaml, checked on load: key material paths, token lifetime, page sizes, limits."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from portal.security_config import checked_limits
from signals.registry import config_dir

CONFIG_FILE = "ddas_api.yaml"


class SigningConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    private_key: str = Field(min_length=1)
    certificate_chain: str = Field(min_length=1)
    kid: str = ""


class RateLimits(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    per_client: tuple[str, ...] = Field(min_length=1)
    token_per_ip: tuple[str, ...] = Field(min_length=1)

    @field_validator("per_client", "token_per_ip")
    @classmethod
    def _limits_notation(cls, lines: tuple[str, ...]) -> tuple[str, ...]:
        return checked_limits(lines)


class DdasApiConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    signing: SigningConfig
    trust_anchors: str = Field(min_length=1)
    access_token_seconds: int = Field(gt=0, le=24 * 3600)
    default_page_size: int = Field(ge=1)
    max_page_size: int = Field(ge=1)
    rate_limits: RateLimits
    cached_answers: int = Field(ge=0, le=100)

    @model_validator(mode="after")
    def _default_within_max(self) -> DdasApiConfig:
        if self.default_page_size > self.max_page_size:
            raise ValueError("default_page_size is larger than max_page_size")
        return self

    def path(self, workspace: Path, relative: str) -> Path:
        """A configured path, under the workspace (an absolute path or '..' is refused)."""
        candidate = Path(relative)
        if candidate.is_absolute() or ".." in candidate.parts:
            raise ValueError(f"config/{CONFIG_FILE}: {relative!r} is not a path inside the workspace")
        return workspace / candidate


def load_config(path: Path | None = None) -> DdasApiConfig:
    """The API's settings; read again on every call (the app keeps the result)."""
    source = path or config_dir() / CONFIG_FILE
    return DdasApiConfig.model_validate(yaml.safe_load(source.read_text(encoding="utf-8")))
