"""Dwellings and their addresses: buildings, toevoegingen, postcodes, streets and house numbers.

Postcodes have the Dutch format `1234AB`, but both letters come from {F, I, O, Q, U, Y}: PostNL
never uses these letters, so no synthetic address can coincide with a real one, whatever street
name the composite generator happens to produce.
"""

from itertools import product

import numpy as np
import polars as pl

from synthetic.geography import postcode_numbers
from synthetic.vocab import STREET_STEMS, STREET_SUFFIXES

POSTCODE_LETTERS = "FIOQUY"
_LETTER_PAIRS = np.array(["".join(p) for p in product(POSTCODE_LETTERS, repeat=2)])
TENURES = ("koop", "particuliere_huur", "corporatie")
KOOP, PRIVATE, CORP = 0, 1, 2

# Share of dwellings in multi-unit buildings by tenure, and the mean building size of flats.
_FLAT_SHARE = np.array([0.2, 0.55, 0.65])
_MEAN_FLAT_UNITS = 5.0
# Target dwellings per postcode; capped by the numbers a gemeente owns (36 letter pairs each).
_BUILDINGS_PER_POSTCODE = 20


def allocate(total: int, weights: np.ndarray, minimum: int = 0) -> np.ndarray:
    """Split `total` into integer parts proportional to `weights`, each part at least `minimum`.

    Largest-remainder rounding, so the parts always sum to `total` and the split is deterministic.
    """
    weights = np.asarray(weights, dtype=float)
    if total < minimum * len(weights):
        raise ValueError(f"cannot give {len(weights)} parts at least {minimum} of {total}")
    rest = total - minimum * len(weights)
    exact = rest * weights / weights.sum()
    parts = np.floor(exact).astype(np.int64)
    short = rest - parts.sum()
    parts[np.argsort(-(exact - parts), kind="stable")[:short]] += 1
    return parts + minimum


def build_dwellings(buurten: pl.DataFrame, n_dwellings: int, rng: np.random.Generator) -> pl.DataFrame:
    """One row per dwelling: buurt, tenure, corporation and monthly rent, sorted by buurt.

    Every team gets at least two dwellings and every buurt one when there are enough, so that even
    a test region of a few hundred households covers all 13 teams.
    """
    team = buurten["team_index"].to_numpy()
    weight = buurten["weight"].to_numpy()
    n_teams = team.max() + 1
    team_weight = np.bincount(team, weights=weight, minlength=n_teams)
    per_team = allocate(n_dwellings, team_weight, minimum=2)
    per_buurt = np.zeros(len(buurten), dtype=np.int64)
    for t in range(n_teams):  # 13 teams: a loop over structure, not over dwellings
        idx = np.flatnonzero(team == t)
        minimum = 1 if per_team[t] >= len(idx) else 0
        per_buurt[idx] = allocate(int(per_team[t]), weight[idx], minimum)
    buurt_id = np.repeat(np.arange(len(buurten), dtype=np.int32), per_buurt)

    u = rng.random(n_dwellings)
    corp_share = buurten["corporation_share"].to_numpy()[buurt_id]
    private_share = buurten["private_rent_share"].to_numpy()[buurt_id]
    tenure = np.where(u < corp_share, CORP, np.where(u < corp_share + private_share, PRIVATE, KOOP))
    mix = buurten.select("p_zaanoever", "p_molenwonen", "p_wormerhof").to_numpy()[buurt_id]
    corporation = (rng.random(n_dwellings)[:, None] > np.cumsum(mix, axis=1)).sum(axis=1)
    corporation = np.where(tenure == CORP, np.minimum(corporation, 2), -1)
    rent = np.where(
        tenure == CORP,
        np.clip(rng.normal(700, 75, n_dwellings), 550, 850),
        np.clip(rng.normal(1200, 170, n_dwellings), 900, 1600),
    )
    rent = np.where(tenure == KOOP, 0.0, np.round(rent, 2))
    return pl.DataFrame(
        {
            "dwelling_id": np.arange(n_dwellings, dtype=np.int32),
            "buurt_id": buurt_id,
            "tenure": tenure.astype(np.int8),
            "corporation": corporation.astype(np.int8),
            "rent_eur": rent,
        }
    )


def add_addresses(
    dwellings: pl.DataFrame, buurten: pl.DataFrame, region: int, rng: np.random.Generator
) -> pl.DataFrame:
    """Give every dwelling a unique (postcode, huisnummer, huisnummer_toevoeging) and a street.

    A postcode is one side of one street, as in the Netherlands: the two postcodes of a street
    carry its odd and its even numbers. Flats share a huisnummer and differ by toevoeging (A/B/...,
    1/2/..., hs/1, or a bare number with a "bis").
    """
    n = dwellings.height
    buurt_id = dwellings["buurt_id"].to_numpy()
    tenure = dwellings["tenure"].to_numpy()
    is_flat = rng.random(n) < _FLAT_SHARE[tenure]
    # Houses first, then flats, within each buurt; the dwelling order itself stays as given.
    order = np.lexsort((rng.random(n), is_flat, buurt_id))
    b_sorted, flat_sorted = buurt_id[order], is_flat[order]
    new_buurt = np.r_[True, b_sorted[1:] != b_sorted[:-1]]
    breaks = new_buurt | ~flat_sorted | np.r_[True, ~flat_sorted[:-1]]
    breaks |= rng.random(n) < 1 / _MEAN_FLAT_UNITS
    building = np.cumsum(breaks) - 1
    start = np.flatnonzero(breaks)
    size = np.diff(np.r_[start, n])
    unit = np.arange(n) - start[building]
    units = size[building]

    toevoeging = _toevoegingen(unit, units, rng.random(len(start))[building])

    # Postcodes: buildings of a buurt are cut into consecutive runs; a gemeente spreads its
    # postcodes evenly over the 4-digit numbers it owns.
    b_of_building = b_sorted[start]
    gem_of_buurt = buurten["gemeente_index"].to_numpy()
    n_build_buurt = np.bincount(b_of_building, minlength=len(buurten))
    numbers = postcode_numbers(region)
    capacity = np.array([len(x) * len(_LETTER_PAIRS) for x in numbers])
    gem_buildings = np.bincount(gem_of_buurt, weights=n_build_buurt, minlength=3)
    per_pc = np.maximum(_BUILDINGS_PER_POSTCODE, np.ceil(gem_buildings / capacity * 1.15))
    pc_per_buurt = np.where(
        n_build_buurt > 0, np.maximum(1, n_build_buurt // per_pc[gem_of_buurt]), 0
    ).astype(np.int64)
    rank_in_buurt = np.arange(len(start)) - np.r_[0, np.cumsum(n_build_buurt)][b_of_building]
    local_pc = rank_in_buurt * pc_per_buurt[b_of_building] // n_build_buurt[b_of_building]
    pc_offset = np.zeros(len(buurten), dtype=np.int64)
    for g in range(3):
        idx = np.flatnonzero(gem_of_buurt == g)
        pc_offset[idx] = np.r_[0, np.cumsum(pc_per_buurt[idx])[:-1]]
    gem_pc_total = np.bincount(gem_of_buurt, weights=pc_per_buurt, minlength=3).astype(np.int64)
    if (gem_pc_total > capacity).any():
        raise ValueError("more postcodes needed than the gemeente's postcode numbers provide")
    pc_index = pc_offset[b_of_building] + local_pc
    gem_b = gem_of_buurt[b_of_building]
    spread = pc_index * capacity[gem_b] // np.maximum(gem_pc_total[gem_b], 1)
    number = np.select(
        [gem_b == g for g in range(3)],
        [numbers[g][np.minimum(spread // 36, len(numbers[g]) - 1)] for g in range(3)],
    )
    postcode = np.char.add(number.astype(str), _LETTER_PAIRS[spread % 36])

    # House numbers: odd side for even local postcodes, even side for odd ones, with a few gaps.
    first_in_pc = np.r_[True, pc_index[1:] != pc_index[:-1]] | np.r_[True, gem_b[1:] != gem_b[:-1]]
    pc_run = np.cumsum(first_in_pc) - 1
    gap = rng.random(len(start)) < 0.08
    steps = np.cumsum(1 + gap) - 1
    q = steps - steps[np.flatnonzero(first_in_pc)][pc_run]
    huisnummer = 2 * q + 1 + (local_pc % 2)

    street_key = b_of_building.astype(np.int64) * 100_000 + local_pc // 2
    woonplaats_of_buurt = buurten["woonplaats"].to_numpy()
    streets = _street_names(street_key, woonplaats_of_buurt[b_of_building], rng)

    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = np.arange(n)
    bld = building[inverse]
    return dwellings.with_columns(
        pl.Series("postcode", postcode[bld]),
        pl.Series("huisnummer", huisnummer[bld].astype(np.int32)),
        pl.Series("huisnummer_toevoeging", toevoeging[inverse]),
        pl.Series("straat", streets[bld]),
        pl.Series("woonplaats", woonplaats_of_buurt[buurt_id]),
    )


def _toevoegingen(unit: np.ndarray, units: np.ndarray, style_u: np.ndarray) -> pl.Series:
    letters = np.array(list("ABCDEFGH"))
    as_letter = letters[np.minimum(unit, 7)]
    as_number = (unit + 1).astype(str)
    pair = np.select(
        [style_u < 0.4, style_u < 0.8],
        [np.where(unit == 0, "hs", "1"), as_letter],
        np.where(unit == 0, "", "bis"),
    )
    many = np.where((units <= 8) & (style_u < 0.5), as_letter, as_number)
    value = np.select([units == 1, units == 2], ["", pair], many)
    return pl.Series("huisnummer_toevoeging", value).replace("", None)


def _street_names(key: np.ndarray, woonplaats: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A distinct composite street name per street key within each woonplaats."""
    combos = np.array([s + x for s in STREET_STEMS for x in STREET_SUFFIXES if not s.lower().endswith(x)])
    frame = pl.DataFrame({"key": key, "woonplaats": woonplaats})
    streets = frame.unique(maintain_order=True).with_columns(
        pl.int_range(pl.len()).over("woonplaats").alias("rank")
    )
    n_places = streets["woonplaats"].n_unique()
    if streets["rank"].max() >= len(combos):
        raise ValueError("more streets in one woonplaats than distinct street names")
    # One shuffle per woonplaats, drawn in a fixed order so the names are deterministic.
    perms = np.stack([rng.permutation(len(combos)) for _ in range(n_places)])
    place_index = streets["woonplaats"].rank("dense").cast(pl.Int64).to_numpy() - 1
    names = combos[perms[place_index, streets["rank"].to_numpy()]]
    named = streets.select("key", pl.Series("straat", names, dtype=pl.String))
    return frame.join(named, on="key", how="left", maintain_order="left")["straat"].to_numpy()
