"""Many regions: the regions file, what a region needs to run, and each region's last run.

A regional collaboration, a province or a hosting provider runs many regions. Each region is a
workspace of its own (warehouse, archive, lists, portal with its own accounts), with its own
configuration folder (teams, suppliers, retention, DDAS; `VROEG_CONFIG_DIR`) and its own
pseudonymisation key file. `config/regions.yaml` (or any file passed with `--regions`, or
`VROEG_REGIONS`) names them. flows/regions.py deploys them on a Prefect work pool;
`region_status` reads each region's own run history read-only: the one place to watch
(`vroeg regions status`, the administrator's page /beheer/regios), beside Prefect's UI, which shows
the same runs by tag. No Prefect import here: the portal reads this module.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from signals.pseudonymise import long_enough
from signals.registry import safe_id

# A region's nightly when the file names none: 02:00 Europe/Amsterdam (flows/deploy.py NIGHTLY_CRON).
DEFAULT_SCHEDULE = "0 2 * * *"

# The environment a region's run gets (on top of the worker's): its own config and key, never
# another region's, and no key given to the worker itself (an empty value makes the file count).
REGION_ENV = ("VROEG_CONFIG_DIR", "VROEG_PSEUDONYM_KEY_FILE", "VROEG_PSEUDONYM_KEY", "VROEG_REGION")


class Region(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1)
    workspace: Path
    config: Path
    key_file: Path
    gemeenten: tuple[str, ...] = Field(min_length=1)
    schedule: str = DEFAULT_SCHEDULE

    @model_validator(mode="after")
    def _code_is_safe(self) -> Region:
        if safe_id(self.code) != self.code:
            raise ValueError(
                f"region code {self.code!r}: only a-z, 0-9, '-' and '_' ({safe_id(self.code)!r})"
            )
        return self

    def env(self) -> dict[str, str]:
        values = (str(self.config), str(self.key_file), "", self.code)
        return dict(zip(REGION_ENV, values, strict=True))

    @property
    def deployment_name(self) -> str:
        return f"regio-{self.code}"


class Regions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    work_pool: str = Field(min_length=1)
    concurrency: int = Field(gt=0)
    regions: tuple[Region, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _apart(self) -> Regions:
        for what in ("code", "workspace", "config", "key_file"):
            values = [getattr(r, what) for r in self.regions]
            twice = sorted({str(v) for v in values if values.count(v) > 1})
            if twice:
                raise ValueError(f"regions: {what} used by more than one region: {twice}")
        roots = sorted(r.workspace for r in self.regions)
        for outer, inner in itertools.pairwise(roots):
            if inner.is_relative_to(outer):
                raise ValueError(f"regions: workspace {inner} lies inside {outer}")
        return self

    def region(self, code: str) -> Region:
        found = next((r for r in self.regions if r.code == code), None)
        if found is None:
            raise KeyError(code)
        return found


def load_regions(path: Path) -> Regions:
    """The regions file; relative paths in it are relative to the file's own folder."""
    path = Path(path).resolve()
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    for region in raw.get("regions", []):
        for key in ("workspace", "config", "key_file"):
            if key in region:
                region[key] = str((path.parent / region[key]).resolve())
    return Regions.model_validate(raw)


def check_region(region: Region) -> list[str]:
    """What stops this region from running, in Dutch (empty: ready)."""
    problems = []
    for name in ("teams.yaml", "suppliers.yaml"):
        if not (region.config / name).is_file():
            problems.append(f"{region.code}: {name} ontbreekt in {region.config}")
    teams = region.config / "teams.yaml"
    if teams.is_file():
        listed = yaml.safe_load(teams.read_text(encoding="utf-8")) or {}
        elsewhere = sorted(
            {t.get("gemeente") for t in listed.get("teams", [])} - set(region.gemeenten) - {None}
        )
        if elsewhere:
            problems.append(f"{region.code}: teams van gemeenten buiten de regio: {', '.join(elsewhere)}")
    if not region.key_file.is_file():
        problems.append(f"{region.code}: het sleutelbestand {region.key_file} ontbreekt")
    else:
        if region.key_file.stat().st_mode & 0o077:
            problems.append(f"{region.code}: het sleutelbestand is leesbaar voor anderen (maak het 0600)")
        if not long_enough(region.key_file.read_text(encoding="utf-8").strip()):
            problems.append(f"{region.code}: de sleutel is korter dan 16 tekens")
    return problems


def region_status(regions: Regions) -> list[dict]:
    """Per region its latest run from its own run history: as-of date, status, duration, warnings."""
    from warehouse.store import read_only

    rows = []
    for region in regions.regions:
        row: dict = {"code": region.code, "name": region.name, "as_of_date": None, "status": None}
        row |= {"started_at": None, "seconds": None, "reason": None, "warnings": []}
        warehouse = region.workspace / "warehouse.duckdb"
        if warehouse.exists():
            try:
                with read_only(warehouse) as con:
                    last = con.execute(
                        "select run_id, as_of_date, status, started_at, finished_at, status_reason "
                        "from meta_run order by started_at desc limit 1"
                    ).fetchall()
                    if last:
                        run_id, as_of, status, started, finished, reason = last[0]
                        seconds = (finished - started).total_seconds() if finished else None
                        row |= {"as_of_date": as_of, "status": status, "started_at": started}
                        row |= {"seconds": seconds, "reason": reason}
                        row["warnings"] = [
                            m
                            for (m,) in con.execute(
                                "select message_nl from meta_run_warning where run_id = ? "
                                "order by kind, subject",
                                [run_id],
                            ).fetchall()
                        ]
            except Exception as exc:
                row |= {"status": "onleesbaar", "reason": type(exc).__name__}
        rows.append(row)
    return rows
