"""Geography, addresses and people of the generated region."""

from datetime import date

import numpy as np
import polars as pl

from synthetic import TEAMS
from synthetic.addresses import allocate
from synthetic.geography import MAX_REGIONS, postcode_numbers, region_teams
from synthetic.population import BsnAllocator, passes_elfproef

POSTCODE = r"^[1-9][0-9]{3}[FIOQUY]{2}$"


def test_teams_are_the_thirteen_fixed_codes_in_order():
    assert [t.code for t in TEAMS][:2] == ["zaanstad-assendelft", "zaanstad-krommenie"]
    assert [t.code for t in TEAMS][-2:] == ["oostzaan", "wormerland"]
    assert len({t.code for t in TEAMS}) == 13
    assert {t.gemeente for t in TEAMS} == {"Zaanstad", "Oostzaan", "Wormerland"}


def test_every_team_has_households_in_a_small_region(small_region):
    root, result = small_region
    buurten = pl.read_csv(root / "reference" / "buurten.csv")
    per_team = buurten.group_by("wijkteam").agg(pl.col("huishoudens").sum())
    assert set(per_team["wijkteam"]) == {t.code for t in TEAMS}
    assert per_team["huishoudens"].min() > 0
    assert buurten["huishoudens"].sum() == result.households == 400
    adressen = pl.read_csv(root / "reference" / "adressen.csv", infer_schema=False)
    assert set(adressen["wijkteam"]) == {t.code for t in TEAMS}


def test_addresses_are_unique_and_use_only_impossible_postcode_letters(small_region):
    root, _ = small_region
    adressen = pl.read_csv(root / "reference" / "adressen.csv", infer_schema=False)
    assert adressen["postcode"].str.contains(POSTCODE).all()
    key = ["postcode", "huisnummer", "huisnummer_toevoeging"]
    assert adressen.select(key).is_unique().all()
    assert adressen["huisnummer"].cast(pl.Int64).min() >= 1
    # Per gemeente, the 4-digit part stays in its own block (Oostzaan 1510-1511 etc.).
    numbers = adressen.with_columns(pl.col("postcode").str.slice(0, 4).cast(pl.Int32).alias("n"))
    for gemeente, allowed in zip(("Zaanstad", "Oostzaan", "Wormerland"), postcode_numbers(1), strict=True):
        used = numbers.filter(pl.col("gemeente") == gemeente)["n"].to_numpy()
        assert np.isin(used, allowed).all(), gemeente


def test_every_bsn_passes_the_elfproef_and_is_unique(small_region):
    root, _ = small_region
    persons = pl.read_parquet(root / "ground_truth" / "persons.parquet")
    bsn = persons["bsn"]
    assert bsn.str.contains(r"^9[0-9]{8}$").all()
    assert passes_elfproef(bsn.cast(pl.Int64).to_numpy()).all()
    assert bsn.n_unique() == persons.height
    assert persons["telefoon"].str.contains(r"^06-9[0-9]{7}$").all()
    assert persons["email"].str.ends_with("@example.nl").all()


def test_birth_dates_fit_the_age_band_of_the_head(small_region):
    root, _ = small_region
    persons = pl.read_parquet(root / "ground_truth" / "persons.parquet")
    households = pl.read_parquet(root / "ground_truth" / "households.parquet")
    end = date(2026, 10, 31)
    ages = persons.join(households.select("household_id", "age_band"), on="household_id")
    ages = ages.with_columns(((pl.lit(end) - pl.col("geboortedatum")).dt.total_days() / 365.25).alias("age"))
    bounds = {
        "18-26": (18, 27),
        "27-44": (27, 45),
        "45-64": (45, 65),
        "65-74": (65, 75),
        "75+": (75, 97),
    }
    for band, (low, high) in bounds.items():
        age = ages.filter(pl.col("age_band") == band)["age"]
        assert age.is_empty() or (age.min() >= low - 0.01 and age.max() < high + 0.01), band


def test_elfproef_known_numbers():
    assert passes_elfproef(np.array([111222333])).all()
    assert not passes_elfproef(np.array([123456789, 987654321])).any()


def test_bsn_allocator_never_repeats_across_calls():
    allocator = BsnAllocator(np.random.default_rng(1))
    numbers = np.concatenate([allocator.take(n) for n in (1, 5_000, 20_000)])
    assert len(np.unique(numbers)) == len(numbers) == 25_001
    assert passes_elfproef(numbers).all()
    assert (numbers // 100_000_000 == 9).all()


def test_allocate_respects_total_and_minimum():
    parts = allocate(300, np.array([100.0, 1.0, 1.0, 50.0]), minimum=2)
    assert parts.sum() == 300
    assert parts.min() >= 2
    assert parts[0] > parts[3] > parts[1]


def test_replicated_regions_have_prefixed_teams_and_disjoint_postcodes():
    teams = region_teams(2)
    assert all(t.code.startswith("r002-") for t in teams)
    assert teams[0].gemeente == "Gemeente R002-A"
    blocks = [np.concatenate(postcode_numbers(r)) for r in range(1, MAX_REGIONS + 1)]
    flat = np.concatenate(blocks)
    assert len(np.unique(flat)) == len(flat)
    assert flat.min() >= 1000 and flat.max() <= 9999
