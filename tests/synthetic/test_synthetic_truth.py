"""Ground truth against deliveries, the latent risk, registrations, calibration, determinism."""

import hashlib
import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from synthetic import generate_region
from synthetic.dynamics import step
from synthetic.params import VARIANTS
from synthetic.population import draw_demographics, tenure_flags
from synthetic.world import (
    AANZEGGING,
    UITGEVOERD,
    household_latent,
    may_escalate_soon,
    new_world,
    reset_lanes,
)

SHARED = Path(__file__).resolve().parents[3] / "shared"


def _digest(root: Path) -> dict[str, str]:
    """Every generated file's bytes (inbox/manifest.csv, the received-at moments, included)."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    args = {"households": 400, "months": 14}
    first = _digest(_generated(tmp_path / "a", seed=11, **args))
    second = _digest(_generated(tmp_path / "b", seed=11, **args))
    other = _digest(_generated(tmp_path / "c", seed=12, **args))
    assert len(first) > 20
    assert first == second
    inbox = {k for k in first if k.startswith("inbox")}
    assert any(first[k] != other.get(k) for k in inbox)


def _generated(root: Path, **kwargs) -> Path:
    generate_region(root, **kwargs)
    return root


def test_delivered_executed_evictions_exist_in_the_events(default_region):
    root, _ = default_region
    events = pl.read_parquet(root / "ground_truth" / "events.parquet")
    executed = events.filter("is_executed_eviction")
    delivered = pl.concat(
        [
            pl.read_csv(
                p,
                encoding="cp1252" if p.parts[-3] == "zaanoever" else "utf8",
                separator=";" if p.parts[-3] == "zaanoever" else ",",
                infer_schema=False,
            )
            .rename(lambda c: c.strip().lower())
            .select("bron_referentie", "fase")
            for p in sorted((root / "inbox").glob("*/ontruiming/*.csv"))
        ]
        + [
            pl.read_excel(p, infer_schema_length=0).select("bron_referentie", "fase")
            for p in sorted((root / "inbox").glob("*/ontruiming/*.xlsx"))
        ]
    )
    uitgevoerd = delivered.filter(pl.col("fase") == "ontruiming_uitgevoerd")
    assert uitgevoerd.height > 10
    assert set(uitgevoerd["bron_referentie"]) <= set(executed["bron_referentie"].drop_nulls())
    assert executed["gemeente"].is_not_null().all() and executed["wijk"].is_not_null().all()
    households = pl.read_parquet(root / "ground_truth" / "households.parquet")
    evicted = households.filter(pl.col("move_reason") == "ontruimd")
    assert set(executed["household_id"]) <= set(evicted["household_id"])


def test_every_delivered_reference_is_a_true_event(small_region):
    root, _ = small_region
    events = pl.read_parquet(root / "ground_truth" / "events.parquet")
    references = set(events["bron_referentie"].drop_nulls())
    for path in sorted((root / "inbox").glob("dwnk/*/*.csv")):
        delivered = set(pl.read_csv(path, infer_schema=False)["bron_referentie"])
        assert delivered <= references, path


def test_latent_risk_ranks_the_households_that_escalate(default_region):
    root, _ = default_region
    latent = pl.read_parquet(root / "ground_truth" / "latent.parquet")
    events = pl.read_parquet(root / "ground_truth" / "events.parquet")
    escalations = events.filter(
        (pl.col("event") == "ontruiming")
        & pl.col("phase").is_in(["aanzegging", "ontruiming_gepland", "ontruiming_uitgevoerd"])
    ).select("household_id", pl.col("date").dt.truncate("1mo").alias("hit"))
    outcome = (
        latent.filter(pl.col("month") <= pl.date(2026, 4, 1))
        .join(escalations, on="household_id", how="left")
        .with_columns(
            ((pl.col("hit") > pl.col("month")) & (pl.col("hit") <= pl.col("month").dt.offset_by("6mo")))
            .fill_null(False)
            .alias("y")
        )
        .group_by("household_id", "month")
        .agg(pl.col("y").any(), pl.col("latent_risk").first())
    )
    high = outcome.filter(pl.col("latent_risk") > 0.5)
    zero = outcome.filter(pl.col("latent_risk") == 0)
    assert high.height > 50
    assert abs(high["y"].mean() - high["latent_risk"].mean()) < 0.15
    assert zero["y"].mean() < 0.001


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_calm_households_cannot_reach_aanzegging_within_six_months(variant):
    """may_escalate_soon is exact: outside it, no lane reaches aanzegging within 6 months."""
    rng, p, n, months = np.random.default_rng(3), VARIANTS[variant], 20_000, 40
    tenure = np.full(n, 2)
    demographics = draw_demographics(tenure, rng)
    is_corp, is_renter = tenure_flags(tenure)
    world = new_world(n)
    reset_lanes(
        world,
        np.arange(n),
        {
            "hh": np.arange(n),
            "is_corp": is_corp,
            "is_renter": is_renter,
            "rent": np.full(n, 700.0),
            "reach_p": np.full(n, 0.6),
            **household_latent(tenure, demographics, p, rng),
        },
        p,
        rng,
    )
    month_start = np.arange(months + 8) * 30
    calm, escalated = [], []
    for m in range(months):
        out = step(world, m, month_start, 0.0, p, rng)
        escalated.append((out.proc >= AANZEGGING) & (out.proc <= UITGEVOERD))
        world.alive &= out.proc != UITGEVOERD
        calm.append(world.alive & ~may_escalate_soon(world, p))
    calm_now, hits = np.array(calm), np.array(escalated)
    assert hits.sum() > 20
    for m in range(months - 6):
        assert not (calm_now[m] & hits[m + 1 : m + 7].any(axis=0)).any(), m


def test_registrations_use_the_ddas_vocabulary(small_region):
    root, _ = small_region
    schema = json.loads(
        (SHARED / "standards" / "ddas-vroegsignalering-v0.9" / "json_schema_Uitwisselmodel.json").read_text(
            encoding="utf-8"
        )
    )
    enums = {
        name: set(schema["$defs"][name]["enum"])
        for name in ("EnumContactsoort", "EnumDagdeel", "EnumEindresultaat")
    }
    pogingen = pl.read_csv(root / "registraties" / "contactpogingen.csv", infer_schema=False)
    resultaten = pl.read_csv(root / "registraties" / "resultaten.csv", infer_schema=False)
    assert pogingen.height > 10 and resultaten.height > 5
    assert set(pogingen["soort"]) <= enums["EnumContactsoort"]
    assert set(pogingen["dagdeel"]) <= enums["EnumDagdeel"]
    assert set(pogingen["bereikt"]) == {"ja", "nee"}
    assert set(resultaten["eindresultaat"]) <= enums["EnumEindresultaat"]
    reference = pl.read_csv(root / "reference" / "adressen.csv", infer_schema=False)
    key = ["postcode", "huisnummer", "huisnummer_toevoeging", "wijkteam"]
    assert pogingen.join(reference, on=key, how="anti", nulls_equal=True).is_empty()


def test_default_region_meets_the_four_calibration_targets(default_region):
    root, result = default_region
    targets = [r for r in result.calibration if r.within_30pct is not None]
    assert len(targets) == 4
    for row in targets:
        assert row.within_30pct, (row.metric, row.value, row.target)
    assert 75_000 <= result.households <= 85_000
    assert 160_000 <= result.inhabitants <= 190_000
    stored = json.loads((root / "ground_truth" / "calibration.json").read_text(encoding="utf-8"))
    assert [c["within_30pct"] for c in stored["calibration"][:4]] == [True] * 4
    assert targets[0].metric in result.format_calibration()
