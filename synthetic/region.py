"""One synthetic region end to end: geography, dwellings, the latent world, deliveries, team
registrations, ground truth and calibration counts. Regions are independent except for the BSNs."""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from synthetic.addresses import CORP, TENURES, add_addresses, build_dwellings
from synthetic.calibration import CalibrationCounts
from synthetic.deliveries import LATE_SHARE, build_stream, schedule
from synthetic.feeds import SUPPLIER_BY_KEY, feed_rows, number_events, supplier_code
from synthetic.geography import CORPORATIONS, build_buurten
from synthetic.ground_truth import (
    buurt_statistics,
    calibration_counts,
    event_table,
    household_truth,
)
from synthetic.params import Params
from synthetic.population import AGE_BANDS, HOUSEHOLD_TYPES, BsnAllocator, build_persons
from synthetic.realism import RealismCounts, known_rows, realism_counts, team_capacities
from synthetic.registrations import case_results, contact_attempts, registration_files
from synthetic.simulate import simulate_region
from synthetic.timeline import Calendar
from synthetic.world import AANZEGGING, UITGEVOERD
from synthetic.writers import write_stream

SECOND_HOUSEHOLD_SHARE = 0.008  # addresses with a second household (inwoning), never corporation
TEAM_REACH_P = (0.45, 0.75)  # range of the teams' probability of taking up a signalled case


@dataclass
class RegionOutput:
    """What the caller writes to the shared files (reference, registraties, ground truth)."""

    adressen: pl.DataFrame
    buurten: pl.DataFrame
    contactpogingen: pl.DataFrame
    resultaten: pl.DataFrame
    households: pl.DataFrame
    persons: pl.DataFrame
    latent: pl.DataFrame
    events: pl.DataFrame
    injected: pl.DataFrame
    manifest: pl.DataFrame  # inbox/manifest.csv rows: path within the inbox, received_at
    counts: CalibrationCounts
    realism: RealismCounts
    n_files: int
    next_ids: tuple[int, int]  # first free household id and event id after this region


def build_region(
    region: int,
    n_households: int,
    calendar: Calendar,
    out_dir: Path,
    seed_seq: np.random.SeedSequence,
    bsn: BsnAllocator,
    first_ids: tuple[int, int],
    params: Params,
    progress: Callable[[str, int, int], None] | None,
) -> RegionOutput:
    """Generate one region; deliveries are written to out_dir/inbox, the rest is returned."""
    rngs = [np.random.default_rng(s) for s in seed_seq.spawn(6)]
    layout_rng, people_rng, sim_rng, risk_rng, feed_rng, write_rng = rngs
    label = f"regio {region}"

    buurten = build_buurten(region, layout_rng)
    n_dwellings = max(n_households - round(n_households * SECOND_HOUSEHOLD_SHARE), 1)
    dwellings = add_addresses(build_dwellings(buurten, n_dwellings, layout_rng), buurten, region, layout_rng)
    lanes = _lanes(dwellings, buurten, n_households - n_dwellings, layout_rng)

    def sim_progress(done: int, total: int) -> None:
        if progress is not None:
            progress(f"{label}: simulatie", done, total)

    sim = simulate_region(
        lanes,
        calendar.month_start,
        calendar.burn_in,
        first_ids[0],
        params,
        sim_rng,
        risk_rng,
        sim_progress,
    )
    households = _households(sim.households, lanes, dwellings, buurten, calendar, region, people_rng)
    persons = build_persons(households, bsn.take(households.height), calendar.end_day, people_rng)
    people = households.join(persons, on="household_id", how="left", maintain_order="left").with_columns(
        pl.Series("_u_bsn", people_rng.random(households.height)),
        pl.Series("_u_person", people_rng.random(households.height)),
    )
    events = number_events(sim.events, first_ids[1])

    rows = feed_rows(events, people.drop("rent_eur"), feed_rng)
    logs, streams, known, manifests = [], {}, [], []
    for i, ((key, feed), frame) in enumerate(sorted(rows.items())):
        supplier = SUPPLIER_BY_KEY[key]
        code = supplier_code(key, region)
        late = dict(params.reporting_delays).get(key, (LATE_SHARE, 1))
        scheduled = schedule(frame, supplier.weekday, calendar.first_day, calendar.end_day, feed_rng, late)
        stream = build_stream(scheduled, feed, feed_rng)
        log, manifest = write_stream(stream, supplier, code, feed, out_dir, write_rng)
        logs.append(log)
        manifests.append(manifest)
        streams[(code, feed)] = stream.rows
        known.append(known_rows(stream.rows, stream.overrides, feed))
        if progress is not None:
            progress(f"{label}: leveringen", i + 1, len(rows))

    attempts = contact_attempts(events["contacts"], calendar.month_start, people_rng)
    results = case_results(attempts, people_rng)
    pogingen, resultaten = registration_files(
        attempts, results, households, calendar.first_day, calendar.end_day
    )
    latent = sim.latent.filter(pl.col("month") >= calendar.burn_in)
    counts = calibration_counts(streams, latent, households, dwellings, events, calendar)
    realism = realism_counts(
        pl.concat(known),
        latent,
        events["procedure"]
        .filter(pl.col("phase").is_between(AANZEGGING, UITGEVOERD))
        .select("household_id", "day"),
        households.select("household_id", "wijkteam"),
        team_capacities(region),
        calendar.month_start,
        calendar.burn_in,
        calendar.end_day,
    )
    return RegionOutput(
        adressen=dwellings.join(buurten, on="buurt_id")
        .select(
            "postcode",
            "huisnummer",
            "huisnummer_toevoeging",
            "straat",
            "woonplaats",
            "gemeente",
            "wijk",
            "buurt",
            "wijkteam",
        )
        .sort("postcode", "huisnummer", "huisnummer_toevoeging"),
        buurten=buurt_statistics(buurten, households, dwellings),
        contactpogingen=pogingen,
        resultaten=resultaten,
        households=household_truth(households, events, region),
        persons=persons,
        latent=latent.with_columns(
            pl.lit(pl.Series(calendar.month_start))
            .gather(pl.col("month"))
            .cast(pl.Int32)
            .cast(pl.Date)
            .alias("month"),
            (pl.col("arrears_eur") > 0).alias("in_arrears"),
        ).rename({"reached": "reached_by_team"}),
        events=event_table(events, streams, households, attempts, results, calendar, region),
        injected=pl.concat(logs),
        manifest=pl.concat(manifests),
        counts=counts,
        realism=realism,
        n_files=sum(m.height for m in manifests),
        next_ids=(
            int(households["household_id"].max()) + 1,
            first_ids[1] + sum(frame.height for frame in events.values()),
        ),
    )


def _lanes(
    dwellings: pl.DataFrame, buurten: pl.DataFrame, n_second: int, rng: np.random.Generator
) -> pl.DataFrame:
    """One lane per household slot: every dwelling, plus second households in some non-corporation
    dwellings; each lane carries its team's outreach probability."""
    reach = rng.uniform(*TEAM_REACH_P, size=buurten["team_index"].max() + 1)
    candidates = dwellings.filter(pl.col("tenure") != CORP)["dwelling_id"].to_numpy()
    hosts = np.sort(rng.choice(candidates, size=min(n_second, len(candidates)), replace=False))
    frame = pl.concat(
        [
            dwellings.select("dwelling_id", pl.lit(False).alias("second_household")),
            pl.DataFrame({"dwelling_id": hosts.astype(np.int32), "second_household": True}),
        ]
    ).join(
        dwellings.select("dwelling_id", "buurt_id", "tenure", "rent_eur"),
        on="dwelling_id",
        maintain_order="left",
    )
    team = buurten["team_index"].to_numpy()[frame["buurt_id"].to_numpy()]
    return frame.with_row_index("lane").with_columns(
        pl.col("lane").cast(pl.Int32), pl.Series("reach_p", reach[team])
    )


def _households(
    raw: pl.DataFrame,
    lanes: pl.DataFrame,
    dwellings: pl.DataFrame,
    buurten: pl.DataFrame,
    calendar: Calendar,
    region: int,
    rng: np.random.Generator,
) -> pl.DataFrame:
    n = raw.height
    last = calendar.n_months - 1
    corp_no = rng.choice(10**6, size=n, replace=False)
    klant_no = rng.choice(10**8, size=n, replace=False)
    frame = (
        raw.join(
            lanes.select("lane", "dwelling_id", "second_household"),
            on="lane",
            maintain_order="left",
        )
        .join(dwellings, on="dwelling_id", maintain_order="left")
        .join(
            buurten.select("buurt_id", "gemeente", "wijk", "buurt", "wijkteam"),
            on="buurt_id",
            maintain_order="left",
        )
    )
    key = pl.lit(pl.Series(np.array((*CORPORATIONS, ""))[frame["corporation"].to_numpy()]))
    number = pl.lit(pl.Series(corp_no))
    start = pl.lit(pl.Series(calendar.month_start)).gather(pl.col("start_month"))
    leave = pl.lit(pl.Series(calendar.month_start)).gather(pl.col("end_month").fill_null(0) + 1)
    return (
        frame.with_columns(
            pl.when(pl.col("tenure") == CORP).then(key).alias("corporation_key"),
        )
        .with_columns(
            pl.when(pl.col("corporation_key").is_not_null())
            .then(pl.lit(supplier_code("", region)) + pl.col("corporation_key"))
            .alias("corporation"),
            pl.when(pl.col("corporation_key") == "zaanoever")
            .then(number.cast(pl.String).str.zfill(8))
            .when(pl.col("corporation_key") == "molenwonen")
            .then(pl.lit("MW-") + number.cast(pl.String).str.zfill(6))
            .when(pl.col("corporation_key") == "wormerhof")
            .then(pl.lit("WH") + number.cast(pl.String).str.zfill(7))
            .alias("contractnummer"),
            (pl.lit("3") + pl.lit(pl.Series(klant_no)).cast(pl.String).str.zfill(8)).alias("klantnummer"),
            pl.col("tenure").replace_strict(dict(enumerate(TENURES)), return_dtype=pl.String),
            pl.col("household_type").replace_strict(dict(enumerate(HOUSEHOLD_TYPES)), return_dtype=pl.String),
            pl.col("age_band").cast(pl.Int64),
            pl.col("rent_eur").alias("monthly_rent_eur"),
            pl.when(pl.col("start_month") > 0)
            .then(start.cast(pl.Int32).cast(pl.Date))
            .alias("moved_in_date"),
            pl.when(pl.col("end_month").is_not_null())
            .then(
                pl.when(pl.col("evicted"))
                .then(pl.lit(None, pl.Date))
                .otherwise(leave.cast(pl.Int32).cast(pl.Date))
            )
            .alias("moved_out_date"),
            pl.col("end_month").is_not_null().alias("moved"),
            pl.when(pl.col("evicted"))
            .then(pl.lit("ontruimd"))
            .when(pl.col("end_month").is_not_null())
            .then(pl.lit("verhuisd"))
            .alias("move_reason"),
            (pl.col("ontregeling_trait") > 0).alias("has_persistent_ontregeling"),
            (pl.col("end_month").is_null() | (pl.col("end_month") >= last)).alias("active_at_end"),
            (pl.lit(region * 10_000_000) + pl.col("dwelling_id")).cast(pl.Int64).alias("address_id"),
        )
        .select(
            "household_id",
            "address_id",
            "lane",
            "dwelling_id",
            "postcode",
            "huisnummer",
            "huisnummer_toevoeging",
            "straat",
            "woonplaats",
            "gemeente",
            "wijk",
            "buurt",
            "wijkteam",
            "size",
            pl.col("age_band")
            .replace_strict(dict(enumerate(AGE_BANDS)), return_dtype=pl.String)
            .alias("age_band_head"),
            "age_band",
            "household_type",
            "tenure",
            "corporation",
            "corporation_key",
            "contractnummer",
            "klantnummer",
            "monthly_rent_eur",
            "rent_eur",
            "second_household",
            "start_month",
            "end_month",
            "moved_in_date",
            "moved_out_date",
            "moved",
            "move_reason",
            "has_persistent_ontregeling",
            "strain_baseline",
            "avoidance",
            "active_at_end",
        )
    )
