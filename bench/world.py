"""The benchmark world: one region from the real generator and intake, replicated to any scale.

Running the region generator once per region would take about half an hour for the country, and
the real intake of ~160,000 weekly files longer still. So the world is built in two steps:

1. **Template** (cached): `synthetic.generate_region` writes one region (80,000 households,
   36 months); its deliveries go through the real intake (`signals.intake.ingest_files`, reference
   and registrations loaders) into a warehouse. The deliveries of the last week are held back in
   `night/`, so the region-scale nightly flow has a night's files to take in.
2. **World** (cached per scale): the template's warehouse tables are copied N times into a new
   DuckDB file, set-based (`cross join range(N)`), each copy with disjoint keys: postcode numbers
   shifted by a block of 50 (addresses, registrations), gemeente/wijk/buurt names and team codes
   prefixed `R002 …`/`r002-…`, supplier codes prefixed `r002_` (the supplier-code pattern allows no
   hyphen), delivery ids and person pseudonyms suffixed `-r002`. Copy 1 is the template unchanged.

The replicated tables are the ones the pipeline reads (ref_*, raw_delivery, raw_rows, pii_contact,
quarantine_finding, stg_*, reg_*); the pipeline code consumes them unchanged. Copies share their
signal patterns (same dates, amounts, household structure), so per-household work is realistic;
dictionary/compression effects on repeated strings are slightly better than in a real country.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

CACHE = Path(os.environ.get("VROEG_BENCH_CACHE", Path(__file__).resolve().parents[1] / "data" / "bench"))
END_DATE = date(2026, 10, 31)
SEED = 20261123
BENCH_KEY = "benchmark-key-not-for-production"
POSTCODE_BLOCK = 50  # the generator gives a region 50 postcode numbers


@dataclass(frozen=True)
class Scale:
    name: str
    households: int  # of the generated template region
    months: int
    replicas: int


SCALES = {
    "tiny": Scale("tiny", 1_500, 14, 2),
    "region": Scale("region", 80_000, 102, 1),
    "province": Scale("province", 80_000, 102, 12),
    "country": Scale("country", 80_000, 102, 100),
}

# Tables copied per replica, and how each column changes; `{c}` is the column, `r` the replica
# number (0 = unchanged), `tag` the text 'r002'-style tag and `pc` the postcode shift.
_ADDRESS = (
    "case when r = 0 then {c} else lpad((left({c}, 4)::integer + pc)::varchar, 4, '0') || substr({c}, 5) end"
)
_PREFIX_NAME = "case when r = 0 then {c} else upper(tag) || ' ' || {c} end"
_PREFIX_CODE = "case when r = 0 then {c} else tag || '-' || {c} end"
_SUPPLIER = "case when r = 0 then {c} else tag || '_' || {c} end"
_SUFFIX = "case when r = 0 then {c} else {c} || '-' || tag end"
COLUMN_RULES = {
    "address_key": _ADDRESS,
    "postcode": _ADDRESS,
    "gemeente": _PREFIX_NAME,
    "wijk": _PREFIX_NAME,
    "buurt": _PREFIX_NAME,
    "woonplaats": _PREFIX_NAME,
    "wijkteam": _PREFIX_CODE,
    "supplier_code": _SUPPLIER,
    "delivery_id": _SUFFIX,
    "person_pseudonym": _SUFFIX,
    # pii_contact's key of its delivered row, made again from the copy's delivery id
    "row_key": "contact_row_key(" + _SUFFIX.format(c="t.delivery_id") + ", t.line_no)",
}
REPLICATED = (
    "ref_address",
    "ref_buurt",
    "raw_delivery",
    "raw_rows",
    "pii_contact",
    "quarantine_finding",
    "stg_huurachterstand",
    "stg_ontruiming",
    "stg_waterafsluiting",
    "stg_overlast",
    "stg_ggd_melding",
    "stg_ddas",
    "reg_contact_attempt",
    "reg_case_result",
)
SIGNAL_TABLES = tuple(t for t in REPLICATED if t.startswith("stg_"))


def _log(message: str) -> None:
    print(f"[bench {datetime.now():%H:%M:%S}] {message}", flush=True)


def template_dir(scale: Scale) -> Path:
    return CACHE / f"template-{scale.households}-{scale.months}m-{SEED}"


def night_cutoff() -> datetime:
    """Deliveries received after this moment are held back for the nightly flow."""
    held = END_DATE - timedelta(days=7)
    return datetime(held.year, held.month, held.day, 23, 59, tzinfo=UTC)


def build_template(scale: Scale) -> Path:
    """Generate the template region and take its history in through the real intake (cached)."""
    folder = template_dir(scale)
    done = folder / "DONE"
    if done.exists():
        return folder
    os.environ.setdefault("VROEG_PSEUDONYM_KEY", BENCH_KEY)
    from signals.addresses import load_reference
    from signals.intake import ingest_files
    from signals.pseudonymise import pseudonym_key
    from signals.receipts import History, discover_inbox, first_sight_moment, read_history_manifest, sidecar
    from signals.registrations import load_registrations
    from synthetic import generate_region
    from warehouse.store import write_session

    shutil.rmtree(folder, ignore_errors=True)
    region = folder / "region"
    started = time.perf_counter()
    generate_region(region, households=scale.households, seed=SEED, months=scale.months, end_date=END_DATE)
    _log(f"template region generated in {time.perf_counter() - started:.0f} s")
    cutoff = night_cutoff()
    night = folder / "night"
    # A history import: every file received when the generator's manifest says (its sidecar records it).
    inbox = region / "inbox"
    history = History(read_history_manifest(inbox / "manifest.csv", inbox))
    files = []
    for incoming in discover_inbox(inbox, first_sight_moment(END_DATE), history).files:
        if incoming.received_at > cutoff:
            target = night / incoming.path.relative_to(inbox)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(sidecar(incoming.path), sidecar(target))  # the receipt goes with the file
            os.replace(incoming.path, target)
        else:
            files.append(incoming)
    started = time.perf_counter()
    with write_session(folder / "warehouse.duckdb") as con:
        load_reference(con, region / "reference")
        ingest_files(con, files, folder / "archive", pseudonym_key())
        load_registrations(con, region / "registraties")
    _log(f"template history taken in ({len(files)} files) in {time.perf_counter() - started:.0f} s")
    shutil.rmtree(region / "inbox", ignore_errors=True)
    done.write_text(datetime.now(tz=UTC).isoformat() + "\n")
    return folder


def world_path(scale: Scale) -> Path:
    return CACHE / f"world-{scale.households}-{scale.months}m-{SEED}-x{scale.replicas}.duckdb"


def build_world(scale: Scale) -> Path:
    """The template's warehouse replicated `scale.replicas` times (cached)."""
    template = build_template(scale)
    path = world_path(scale)
    if path.exists():
        return path
    import duckdb

    from warehouse.store import connect

    started = time.perf_counter()
    partial = path.with_suffix(".partial.duckdb")
    partial.unlink(missing_ok=True)
    shutil.copyfile(template / "warehouse.duckdb", partial)
    con = connect(partial)
    try:
        con.execute("attach ? as tpl (read_only)", [str(template / "warehouse.duckdb")])
        # Replica r (1, 2, …) gets postcode numbers 1500 + 50 r …: 1550–1599, …, 6450–6499 for r = 99.
        con.execute(
            "create temp table _replica as select r::integer as r,"
            " 'r' || lpad((r + 1)::varchar, 3, '0') as tag, (? * r)::integer as pc from range(1, ?) as t(r)",
            [POSTCODE_BLOCK, scale.replicas],
        )
        for table in REPLICATED if scale.replicas > 1 else ():
            columns = [
                c
                for (c,) in con.execute(
                    "select column_name from duckdb_columns() where database_name = 'tpl' and table_name = ?"
                    " order by column_index",
                    [table],
                ).fetchall()
            ]
            select = ", ".join(
                COLUMN_RULES[c].format(c=f't."{c}"') if c in COLUMN_RULES else f't."{c}"' for c in columns
            )
            # Table and column names come from the catalogue, not from input.
            con.execute(
                f'insert into main."{table}" ({", ".join(columns)}) '  # noqa: S608
                f'select {select} from tpl.main."{table}" as t cross join _replica order by _replica.r'
            )
        con.execute("detach tpl")
        con.execute("checkpoint")
    except duckdb.Error:
        con.close()
        partial.unlink(missing_ok=True)
        raise
    con.close()
    os.replace(partial, path)
    _log(f"world {scale.name} ×{scale.replicas} built in {time.perf_counter() - started:.0f} s")
    return path


def world_counts(path: Path) -> dict[str, int]:
    """Households (distinct addresses in ref_address), corporation homes and signal rows of a world."""
    from warehouse.store import connect

    con = connect(path, read_only=True)
    try:
        counts = {
            "addresses": con.execute("select count(*) from ref_address").fetchall()[0][0],
            "households_reference": con.execute("select sum(households) from ref_buurt").fetchall()[0][0],
            "corporation_homes": con.execute("select sum(corporation_homes) from ref_buurt").fetchall()[0][0],
            "wijkteams": con.execute("select count(distinct wijkteam) from ref_address").fetchall()[0][0],
        }
        signals = 0
        for table in SIGNAL_TABLES:
            n = con.execute(f'select count(*) from "{table}"').fetchall()[0][0]  # noqa: S608 - constant
            counts[table] = n
            signals += n
        counts["signal_rows"] = signals
        return counts
    finally:
        con.close()
