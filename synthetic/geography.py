"""The fixed geography: gemeenten, teams, wijken and buurten of the synthetic regions.

Region 1 is modelled on the Zaanstreek (Zaanstad with 11 sociale wijkteams, Oostzaan and Wormerland
with one sociaal team each). Larger generations replicate the same structure as regions 2, 3, ...
with neutral names ("Gemeente R002-A", team codes prefixed "r002-"), so that only region 1 carries
recognisable place names.
"""

from dataclasses import dataclass

import numpy as np
import polars as pl

from synthetic.vocab import BUURT_SUFFIXES, PLACE_PREFIXES, PLACE_STEMS, STREET_STEMS

# The three corporations, in the order of the corporation_mix shares below.
CORPORATIONS = ("zaanoever", "molenwonen", "wormerhof")

# One region holds at most this many households; larger generations add regions.
REGION_HOUSEHOLDS = 80_000
# Postcode blocks of 50 numbers in 1000-9999, one per region; region 1 owns 1500-1549.
MAX_REGIONS = 180


@dataclass(frozen=True)
class Team:
    """A sociaal (wijk)team; `code` is the team's list file name and config key."""

    code: str
    name: str
    gemeente: str


@dataclass(frozen=True)
class _TeamSpec:
    code: str
    name: str
    gemeente_index: int  # 0 = Zaanstad, 1 = Oostzaan, 2 = Wormerland (and their replicas)
    weight: float  # relative number of households
    corporation_share: float
    private_rent_share: float
    corporation_mix: tuple[float, float, float]  # shares of CORPORATIONS among corporation homes
    wijken: tuple[tuple[str, str, int], ...]  # (wijk, woonplaats, number of buurten)


_GEMEENTEN = ("Zaanstad", "Oostzaan", "Wormerland")
# Postcode numbers as offsets within a region's block of 50: Zaanstad 1500-1509, 1512-1519 and
# 1532-1549, Oostzaan 1510-1511, Wormerland 1520-1531 (region 1 uses base 1500).
_POSTCODE_OFFSETS = (
    tuple(range(0, 10)) + tuple(range(12, 20)) + tuple(range(32, 50)),
    (10, 11),
    tuple(range(20, 32)),
)

_ZO, _MW, _WH = (1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)
# Weights and shares are rough public-statistics orders of magnitude, not exact figures.
_REGION1: tuple[_TeamSpec, ...] = (
    _TeamSpec(
        "zaanstad-assendelft",
        "Wijkteam Assendelft",
        0,
        13.0,
        0.15,
        0.08,
        _ZO,
        (("Assendelft-Dorp", "Assendelft", 3), ("Saendelft", "Assendelft", 5)),
    ),
    _TeamSpec(
        "zaanstad-krommenie",
        "Wijkteam Krommenie",
        0,
        11.0,
        0.30,
        0.11,
        (0.55, 0.0, 0.45),
        (("Krommenie-West", "Krommenie", 4), ("Krommenie-Oost", "Krommenie", 4)),
    ),
    _TeamSpec(
        "zaanstad-wormerveer",
        "Wijkteam Wormerveer",
        0,
        7.5,
        0.40,
        0.13,
        (0.35, 0.0, 0.65),
        (("Wormerveer-Noord", "Wormerveer", 3), ("Wormerveer-Zuid", "Wormerveer", 3)),
    ),
    _TeamSpec(
        "zaanstad-westzaan",
        "Wijkteam Westzaan",
        0,
        2.5,
        0.15,
        0.08,
        _ZO,
        (("Westzaan", "Westzaan", 2),),
    ),
    _TeamSpec(
        "zaanstad-zaandijk",
        "Wijkteam Zaandijk",
        0,
        5.5,
        0.30,
        0.13,
        (0.4, 0.6, 0.0),
        (("Zaandijk-Noord", "Zaandijk", 3), ("Rooswijk", "Zaandijk", 2)),
    ),
    _TeamSpec(
        "zaanstad-koog",
        "Wijkteam Koog aan de Zaan",
        0,
        6.0,
        0.25,
        0.12,
        (0.5, 0.5, 0.0),
        (("Koog-Noord", "Koog aan de Zaan", 3), ("Koog-Zuid", "Koog aan de Zaan", 3)),
    ),
    _TeamSpec(
        "zaanstad-rosmolen",
        "Wijkteam Rosmolenwijk",
        0,
        6.0,
        0.45,
        0.16,
        _ZO,
        (("Rosmolenwijk", "Zaandam", 4), ("Russische Buurt", "Zaandam", 2)),
    ),
    _TeamSpec(
        "zaanstad-poelenburg",
        "Wijkteam Poelenburg",
        0,
        5.5,
        0.62,
        0.12,
        (0.8, 0.2, 0.0),
        (("Poelenburg", "Zaandam", 6),),
    ),
    _TeamSpec(
        "zaanstad-peldersveld",
        "Wijkteam Peldersveld-Hoornseveld",
        0,
        8.0,
        0.52,
        0.12,
        (0.85, 0.15, 0.0),
        (("Peldersveld", "Zaandam", 4), ("Hoornseveld", "Zaandam", 4)),
    ),
    _TeamSpec(
        "zaanstad-kogerveld",
        "Wijkteam Kogerveld",
        0,
        6.5,
        0.45,
        0.14,
        (0.7, 0.3, 0.0),
        (("Kogerveld", "Zaandam", 4), ("Kalf", "Zaandam", 3)),
    ),
    _TeamSpec(
        "zaanstad-centrum",
        "Wijkteam Zaandam-Centrum",
        0,
        14.0,
        0.30,
        0.22,
        _ZO,
        (
            ("Zaandam-Centrum", "Zaandam", 5),
            ("Oude Haven", "Zaandam", 3),
            ("Zaandam-Zuid", "Zaandam", 4),
        ),
    ),
    _TeamSpec(
        "oostzaan",
        "Sociaal team Oostzaan",
        1,
        5.0,
        0.28,
        0.09,
        _MW,
        (("Oostzaan-Dorp", "Oostzaan", 3), ("Kerkbuurt", "Oostzaan", 2)),
    ),
    _TeamSpec(
        "wormerland",
        "Sociaal team Wormerland",
        2,
        9.0,
        0.30,
        0.09,
        _WH,
        (("Wormer", "Wormer", 5), ("Jisp", "Jisp", 2), ("Wijdewormer", "Wijdewormer", 2)),
    ),
)

TEAMS: tuple[Team, ...] = tuple(Team(t.code, t.name, _GEMEENTEN[t.gemeente_index]) for t in _REGION1)


def region_prefix(region: int) -> str:
    """Code prefix of a replicated region ("" for region 1, "r002-" for region 2)."""
    return "" if region == 1 else f"r{region:03d}-"


def gemeente_names(region: int) -> tuple[str, ...]:
    """Names of the three gemeenten of a region (Zaanstad, Oostzaan, Wormerland in region 1)."""
    if region == 1:
        return _GEMEENTEN
    return tuple(f"Gemeente R{region:03d}-{letter}" for letter in "ABC")


def postcode_numbers(region: int) -> tuple[np.ndarray, ...]:
    """The 4-digit postcode numbers each gemeente of the region may use (disjoint per gemeente)."""
    if not 1 <= region <= MAX_REGIONS:
        raise ValueError(f"region must be 1..{MAX_REGIONS}, got {region}")
    if region == 1:
        base = 1500
    else:
        block = region - 2 if region - 2 < 10 else region - 1  # skip region 1's block 1500-1549
        base = 1000 + 50 * block
    return tuple(base + np.array(offsets) for offsets in _POSTCODE_OFFSETS)


def region_teams(region: int) -> tuple[Team, ...]:
    """The 13 teams of a region (TEAMS itself for region 1)."""
    if region == 1:
        return TEAMS
    names = gemeente_names(region)
    teams = []
    for i, spec in enumerate(_REGION1):
        letter = "abc"[spec.gemeente_index]
        number = i + 1 if spec.gemeente_index == 0 else 1
        kind = "Wijkteam" if spec.gemeente_index == 0 else "Sociaal team"
        teams.append(
            Team(
                f"{region_prefix(region)}{letter}{number:02d}",
                f"{kind} R{region:03d}-{letter.upper()}{number:02d}",
                names[spec.gemeente_index],
            )
        )
    return tuple(teams)


def build_buurten(region: int, rng: np.random.Generator) -> pl.DataFrame:
    """One row per buurt of the region with its team, wijk, woonplaats and housing-stock shares.

    `weight` is the buurt's share of the region's households; the buurten of a team split the
    team's weight with a random spread so that buurten differ in size.
    """
    teams = region_teams(region)
    gemeenten = gemeente_names(region)
    n_buurten = sum(n for spec in _REGION1 for _, _, n in spec.wijken)
    buurt_names = iter(_composite_names(rng, STREET_STEMS, BUURT_SUFFIXES, n_buurten))
    places = _place_names(region, rng)
    rows = []
    for t_i, (spec, team) in enumerate(zip(_REGION1, teams, strict=True)):
        n_team = sum(n for _, _, n in spec.wijken)
        spread = iter(rng.uniform(0.5, 1.5, size=n_team) / n_team * spec.weight)
        for w_i, (wijk, woonplaats, n) in enumerate(spec.wijken):
            if region != 1:
                wijk, woonplaats = f"{places[t_i]}-{('Noord', 'Zuid', 'Oost')[w_i]}", places[t_i]
            for _ in range(n):
                rows.append(
                    {
                        "region": region,
                        "gemeente_index": spec.gemeente_index,
                        "gemeente": gemeenten[spec.gemeente_index],
                        "wijk": wijk,
                        "buurt": next(buurt_names),
                        "woonplaats": woonplaats,
                        "team_index": t_i,
                        "wijkteam": team.code,
                        "weight": float(next(spread)),
                        "corporation_share": spec.corporation_share,
                        "private_rent_share": spec.private_rent_share,
                        "p_zaanoever": spec.corporation_mix[0],
                        "p_molenwonen": spec.corporation_mix[1],
                        "p_wormerhof": spec.corporation_mix[2],
                    }
                )
    frame = pl.DataFrame(rows)
    frame = frame.with_columns(pl.col("weight") / pl.col("weight").sum())
    return frame.with_row_index("buurt_id").with_columns(pl.col("buurt_id").cast(pl.Int32))


def _composite_names(
    rng: np.random.Generator, stems: tuple[str, ...], suffixes: tuple[str, ...], n: int
) -> list[str]:
    combos = [s + x for s in stems for x in suffixes if not s.lower().endswith(x)]
    if n > len(combos):
        raise ValueError(f"cannot make {n} distinct names from {len(combos)} combinations")
    return [combos[i] for i in rng.choice(len(combos), size=n, replace=False)]


def _place_names(region: int, rng: np.random.Generator) -> list[str]:
    # Drawn for region 1 too, so every region consumes the same random numbers.
    names = [p + s for p in PLACE_PREFIXES for s in PLACE_STEMS]
    picked = [names[i] for i in rng.choice(len(names), size=len(_REGION1), replace=False)]
    return [spec.wijken[0][1] for spec in _REGION1] if region == 1 else picked
