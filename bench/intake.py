"""Intake benchmark: one huurachterstand CSV of N rows (default 1,000,000) through the real intake.

    python -m bench.intake [--rows 1000000] [--out bench/results]

Measures parse + type + Great Expectations suite + address lookup + pseudonymisation + load into
a fresh warehouse, with Great Expectations already imported (its 5–8 s import is paid once per
nightly run, not per row). The file mixes realistic mess: Windows-1252 semicolon CSV with decimal
commas, BSN on 70% of rows, 0.5% bad rows. Addresses use postcodes that cannot exist.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl

LETTERS = "FIOQUY"


def _bsns(rng: np.random.Generator, n: int) -> np.ndarray:
    """n 9-digit numbers starting with 9 that pass the elfproef (vectorised)."""
    base = rng.integers(90_000_000, 99_999_999, size=n * 2)
    digits = np.stack([(base // 10 ** (7 - i)) % 10 for i in range(8)], axis=1)
    check = (digits * np.array([9, 8, 7, 6, 5, 4, 3, 2])).sum(axis=1) % 11
    valid = check < 10
    return (base[valid] * 10 + check[valid])[:n]


def make_delivery(folder: Path, rows: int, seed: int = 1, parts: int = 1) -> tuple[Path, Path]:
    """One huurachterstand CSV of `rows` rows (or `parts` files splitting them) and its reference.

    Returns the (first) file and the reference folder; the parts are `huurachterstand_<i>.csv`.
    """
    rng = np.random.default_rng(seed)
    n_addresses = max(1000, rows // 5)
    k = np.arange(n_addresses)
    postcode = pl.Series((1000 + k // 1080).astype(str)) + pl.Series(
        [LETTERS[i // 6] + LETTERS[i % 6] for i in range(36)]
    ).gather(pl.Series((k // 30) % 36))
    house = (k % 30) + 1
    reference = pl.DataFrame({"postcode": postcode, "huisnummer": house}).with_columns(
        huisnummer_toevoeging=pl.lit(None, pl.String),
        straat=pl.lit("Benchstraat"),
        woonplaats=pl.lit("Bench"),
        gemeente=pl.lit("Bench"),
        wijk=pl.lit("W"),
        buurt=pl.lit("B"),
        wijkteam=pl.lit("bench-team"),
    )
    (folder / "reference").mkdir(parents=True, exist_ok=True)
    reference.write_csv(folder / "reference" / "adressen.csv")
    pl.DataFrame(
        {
            "gemeente": ["Bench"],
            "wijk": ["W"],
            "buurt": ["B"],
            "wijkteam": ["bench-team"],
            "inwoners": [1],
            "huishoudens": [1],
            "corporatiewoningen": [1],
        }
    ).write_csv(folder / "reference" / "buurten.csv")
    pick = rng.integers(0, n_addresses, rows)
    rent = rng.uniform(450, 950, rows).round(2)
    months = rng.gamma(2.0, 0.8, rows).round(2)
    bsn = pl.Series(_bsns(rng, rows).astype(str)).zip_with(
        pl.Series(rng.random(rows) < 0.7), pl.Series([None] * rows, dtype=pl.String)
    )
    frame = pl.DataFrame(
        {
            "bron_referentie": pl.int_range(rows, eager=True).cast(pl.String).str.zfill(9),
            "postcode": postcode.gather(pick),
            "huisnummer": pl.Series(house[pick]).cast(pl.String),
            "contractnummer": pl.Series(rng.integers(1e6, 9e6, rows)).cast(pl.String),
            "maandhuur_eur": pl.Series(rent).cast(pl.String).str.replace(".", ",", literal=True),
            "achterstand_eur": pl.Series((rent * months).round(2))
            .cast(pl.String)
            .str.replace(".", ",", literal=True),
            "achterstand_sinds": "01-08-2026",
            "signaaldatum": "01-10-2026",
            "bsn": bsn,
        }
    )
    bad = rng.random(rows) < 0.005
    frame = frame.with_columns(
        pl.when(pl.Series(bad))
        .then(pl.lit("-12,00"))
        .otherwise(pl.col("achterstand_eur"))
        .alias("achterstand_eur")
    )
    inbox = folder / "inbox" / "bench"
    inbox.mkdir(parents=True, exist_ok=True)
    if parts == 1:
        path = inbox / "huurachterstand.csv"
        path.write_bytes(frame.write_csv(separator=";").encode("cp1252"))
        return path, folder / "reference"
    size = -(-rows // parts)
    for i in range(parts):
        part = frame.slice(i * size, size).write_csv(separator=";").encode("cp1252")
        (inbox / f"huurachterstand_{i + 1}.csv").write_bytes(part)
    return inbox / "huurachterstand_1.csv", folder / "reference"


def run(rows: int) -> dict:
    os.environ.setdefault("VROEG_PSEUDONYM_KEY", "benchmark-key-not-for-production")
    import great_expectations  # noqa: F401 - the import is paid once per run, outside the measurement

    from signals.addresses import load_reference
    from signals.intake import IncomingFile, ingest_files
    from signals.pseudonymise import pseudonym_key
    from warehouse.store import write_session

    folder = Path(tempfile.mkdtemp(prefix="bench-intake-"))
    try:
        # Deliveries within the upload limit (25 MB, ~350,000 rows): a night's batch of parts.
        parts = -(-rows // 250_000)
        path, reference = make_delivery(folder, rows, parts=parts)
        at = datetime(2026, 10, 5, 7, tzinfo=UTC)
        files = sorted(path.parent.glob("huurachterstand*.csv"))
        incoming = [IncomingFile(f, "zaanoever", "huurachterstand", at) for f in files]
        load = os.getloadavg()
        with write_session(folder / "w.duckdb") as con:
            load_reference(con, reference)
            start = time.perf_counter()
            records = ingest_files(con, incoming, folder / "archive", pseudonym_key())
            seconds = time.perf_counter() - start
        assert all(r.status == "geaccepteerd" for r in records), [r.rejection_reason for r in records]
        assert (
            sum(r.rows_read for r in records)
            == rows
            == sum(r.rows_loaded + r.rows_quarantined for r in records)
        )
        return {
            "stage": "intake (parse + validate + load)",
            "rows": rows,
            "deliveries": len(records),
            "seconds": round(seconds, 2),
            "rows_per_second": round(rows / seconds),
            "rows_quarantined": sum(r.rows_quarantined for r in records),
            "file_mb": round(sum(f.stat().st_size for f in files) / 1e6, 1),
            "load_average_at_start": [round(x, 2) for x in load],
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
            "date": datetime.now(tz=UTC).date().isoformat(),
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=Path("bench/results"))
    args = parser.parse_args()
    result = run(args.rows)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "intake.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
