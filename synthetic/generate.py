"""generate_region: the public entry point. Writes inbox/, reference/, registraties/ and
ground_truth/ under out_dir; the pipeline reads the first three and never ground_truth/.
inbox/manifest.csv says when each delivery was received: take the inbox in as a history import
with it (`vroeg nightly --history-manifest <out_dir>/inbox/manifest.csv`)."""

import json
import math
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow.parquet as pq

from synthetic.addresses import allocate
from synthetic.calibration import (
    CalibrationCounts,
    CalibrationRow,
    calibration_rows,
    format_table,
)
from synthetic.geography import MAX_REGIONS, REGION_HOUSEHOLDS
from synthetic.params import VARIANTS
from synthetic.population import BsnAllocator
from synthetic.realism import RealismCounts, realism_rows
from synthetic.region import RegionOutput, build_region
from synthetic.timeline import make_calendar

BURN_IN_MONTHS = 12
MIN_HOUSEHOLDS = 100
OUTPUT_FOLDERS = ("inbox", "reference", "registraties", "ground_truth")
# Written first; its presence marks the output folders as generated, so a rerun may replace them.
MARKER = Path("ground_truth") / "generation.json"


@dataclass
class GenerationResult:
    """What generate_region produced; `calibration` compares it with the national figures."""

    out_dir: Path
    households: int  # households living in the region(s) on end_date
    inhabitants: int
    n_deliveries: int  # delivery files in inbox/, duplicate deliveries included
    n_regions: int
    seed: int
    months: int
    end_date: date
    calibration: list[CalibrationRow] = field(default_factory=list)
    variant: str = "zaanstreek"

    def format_calibration(self) -> str:
        """The calibration table as plain text."""
        head = (
            f"Synthetische regio: {self.households:,} huishoudens, {self.inhabitants:,} "
            f"inwoners, {self.n_regions} regio('s), {self.months} maanden tot {self.end_date}, "
            f"seed {self.seed}, variant {self.variant}, {self.n_deliveries:,} leveringen"
        )
        return head + "\n\n" + format_table(self.calibration)


def generate_region(
    out_dir: Path,
    households: int = 80_000,
    seed: int = 20261123,
    months: int = 36,
    end_date: date = date(2026, 10, 31),
    progress: Callable[[str, int, int], None] | None = None,
    variant: str = "zaanstreek",
) -> GenerationResult:
    """Generate a synthetic region (or several, above 80,000 households) into `out_dir`.

    `variant` picks the world's parameters (params.VARIANTS); "zaanstreek" is the demo region.
    Same arguments, same bytes. A folder produced by an earlier run is replaced; a folder that
    holds other data in inbox/, reference/, registraties/ or ground_truth/ is refused.
    """
    out_dir = Path(out_dir)
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; choose from {', '.join(VARIANTS)}")
    if households < MIN_HOUSEHOLDS:
        raise ValueError(f"households must be at least {MIN_HOUSEHOLDS}, got {households}")
    if months < 7:
        raise ValueError("months must be at least 7 (the repeat-signal window needs 6)")
    n_regions = math.ceil(households / REGION_HOUSEHOLDS)
    if n_regions > MAX_REGIONS:
        raise ValueError(f"at most {MAX_REGIONS * REGION_HOUSEHOLDS:,} households")
    _prepare(out_dir)
    (out_dir / MARKER).write_text(
        json.dumps(
            {
                "households": households,
                "seed": seed,
                "months": months,
                "end_date": end_date.isoformat(),
                "burn_in_months": BURN_IN_MONTHS,
                "variant": variant,
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    calendar = make_calendar(end_date, months, BURN_IN_MONTHS)
    sizes = allocate(households, np.ones(n_regions))
    root = np.random.SeedSequence(seed)
    region_seeds = root.spawn(n_regions + 1)
    bsn = BsnAllocator(np.random.default_rng(region_seeds[0]))
    params = VARIANTS[variant]
    sinks = _Sinks(out_dir)
    total = CalibrationCounts(months=months)
    realism = RealismCounts()
    n_files, ids = 0, (0, 0)
    for region in range(1, n_regions + 1):
        out = build_region(
            region,
            int(sizes[region - 1]),
            calendar,
            out_dir,
            region_seeds[region],
            bsn,
            ids,
            params,
            progress,
        )
        ids = out.next_ids
        n_files += out.n_files
        total.add(out.counts)
        realism.add(out.realism)
        sinks.write(out)
        if progress is not None:
            progress("regio's", region, n_regions)
    sinks.close()
    rows = calibration_rows(total) + realism_rows(realism)
    result = GenerationResult(
        out_dir,
        total.households,
        total.inhabitants,
        n_files,
        n_regions,
        seed,
        months,
        end_date,
        rows,
        variant,
    )
    (out_dir / "ground_truth" / "calibration.json").write_text(
        json.dumps(
            {
                "households_requested": households,
                "seed": seed,
                "months": months,
                "end_date": end_date.isoformat(),
                "burn_in_months": BURN_IN_MONTHS,
                "variant": variant,
                "regions": n_regions,
                "households": total.households,
                "inhabitants": total.inhabitants,
                "n_deliveries": n_files,
                "calibration": [
                    {
                        "metric": r.metric,
                        "value": None if math.isnan(r.value) else round(r.value, 4),
                        "target": r.target,
                        "unit": r.unit,
                        "within_30pct": r.within_30pct,
                        "group": r.group,
                    }
                    for r in rows
                ],
            },
            indent=2,
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    return result


def _prepare(out_dir: Path) -> None:
    present = [f for f in OUTPUT_FOLDERS if (out_dir / f).exists() and any((out_dir / f).iterdir())]
    if present and not (out_dir / MARKER).exists():
        raise FileExistsError(
            f"{out_dir} already holds {', '.join(present)} that this generator "
            "did not write; choose an empty folder"
        )
    for folder in OUTPUT_FOLDERS:
        shutil.rmtree(out_dir / folder, ignore_errors=True)
        (out_dir / folder).mkdir(parents=True)


class _Sinks:
    """Appends each region's tables to the shared output files."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.parquet: dict[str, pq.ParquetWriter] = {}
        self.csv_started: set[Path] = set()

    def write(self, out: RegionOutput) -> None:
        self._csv("reference/adressen.csv", out.adressen)
        self._csv("reference/buurten.csv", out.buurten)
        self._csv("registraties/contactpogingen.csv", out.contactpogingen)
        self._csv("registraties/resultaten.csv", out.resultaten)
        self._csv("ground_truth/injected.csv", out.injected)
        self._csv("inbox/manifest.csv", out.manifest)
        for name in ("households", "persons", "latent", "events"):
            self._parquet(f"ground_truth/{name}.parquet", getattr(out, name))

    def _csv(self, relative: str, frame: pl.DataFrame) -> None:
        path = self.out_dir / relative
        header = path not in self.csv_started
        with path.open("a", encoding="utf-8", newline="") as f:
            f.write(frame.write_csv(include_header=header, null_value=""))
        self.csv_started.add(path)

    def _parquet(self, relative: str, frame: pl.DataFrame) -> None:
        table = frame.to_arrow()
        if relative not in self.parquet:
            self.parquet[relative] = pq.ParquetWriter(
                self.out_dir / relative, table.schema, compression="zstd"
            )
        self.parquet[relative].write_table(table.cast(self.parquet[relative].schema))

    def close(self) -> None:
        for writer in self.parquet.values():
            writer.close()
