"""config/security.yaml, checked on load: second factor, log-in throttling, session timeouts."""

from __future__ import annotations

from datetime import timedelta
from functools import cache

import yaml
from limits import parse_many
from pydantic import BaseModel, ConfigDict, Field, field_validator

from signals.registry import config_dir


def checked_limits(lines: tuple[str, ...]) -> tuple[str, ...]:
    """`lines` if each is limits notation ("N/period"); raises ValueError on anything else."""
    for line in lines:
        parse_many(line)
    return lines


class SecondFactorConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    required_for_all_roles: bool = True
    recovery_codes: int = Field(default=10, ge=5, le=20)
    issuer: str = Field(default="Vroegsignalering", min_length=1, max_length=60)


class LoginConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    failures_per_account_and_ip: tuple[str, ...] = Field(min_length=1)
    failures_per_ip: tuple[str, ...] = Field(min_length=1)
    failure_response_seconds: float = Field(gt=0, le=5)
    max_code_attempts: int = Field(default=5, ge=1, le=20)

    @field_validator("failures_per_account_and_ip", "failures_per_ip")
    @classmethod
    def _limits_notation(cls, lines: tuple[str, ...]) -> tuple[str, ...]:
        return checked_limits(lines)


class SessionConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    idle_timeout_minutes: int = Field(gt=0, le=24 * 60)
    absolute_timeout_hours: int = Field(gt=0, le=24)

    @property
    def idle_timeout(self) -> timedelta:
        return timedelta(minutes=self.idle_timeout_minutes)

    @property
    def absolute_timeout(self) -> timedelta:
        return timedelta(hours=self.absolute_timeout_hours)


class SecurityConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    second_factor: SecondFactorConfig
    login: LoginConfig
    session: SessionConfig

    def requires_second_factor(self, role: str) -> bool:
        return role == "administrator" or self.second_factor.required_for_all_roles


@cache
def security_config() -> SecurityConfig:
    return SecurityConfig.model_validate(
        yaml.safe_load((config_dir() / "security.yaml").read_text(encoding="utf-8"))
    )
