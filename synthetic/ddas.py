"""A DDAS Vroegsignalering v1.2 levering from a generated region, for one supplier.

The levering is schema-valid (json_schema_Uitwisselmodel.json v1.2) and deterministic by seed. Its
vroegsignalen carry the two client shapes v1.2 allows:
- address only: postcode + huisnummer of a dwelling in the region's `reference/adressen.csv`, with
  its huisnummertoevoeging where the dwelling has one (flats), sometimes a geboortedatum and a
  geslachtsaanduiding;
- BSN only: a fresh elfproef-valid test-style BSN (`population.BsnAllocator`) and nothing else,
  as the schema demands. The pipeline cannot link these to an address and quarantines them.
The first `bsn_only` vroegsignalen are the BSN-only ones, the rest are address-only, so a test
knows which lines to expect in quarantine.

    python -m synthetic.ddas --region data/demo --out /tmp/ddas_v12.json --seed 7
"""

from __future__ import annotations

import argparse
import json
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from synthetic.feeds import SUPPLIER_BY_KEY, Supplier
from synthetic.population import BsnAllocator

# EnumSignaalpartner of a supplier's own feeds (the same as config/ddas.yaml's export mapping).
_PARTNER = {"huurachterstand": "Huur", "waterafsluiting": "Water"}
# v1.2 EnumSignaalstatus, with how often a supplier reports each.
_STATUS = (
    ("Nog niet opgepakt", 0.55),
    ("Opgepakt", 0.15),
    ("Inwoner al bekend bij schuldhulpverlening", 0.08),
    ("Niet opgepakt: herhaalde melding", 0.08),
    ("Niet opgepakt: onterecht signaal", 0.04),
    ("Niet opgepakt: andere reden", 0.04),
    ("Persoon is geen inwoner (meer) in de gemeente", 0.04),
    ("Inwoner is overleden", 0.02),
)
_GESLACHT = ("Man", "Vrouw", "Onbekend", "Leeg")
_AMOUNT_EUR = (40, 2_500)
_ORIGIN_DAYS_BEFORE = (20, 120)
_AGE_YEARS = (18, 90)
_SHARE_BIRTH_DATE = 0.4
_SHARE_CRISIS = 0.05
_SHARE_WARM = 0.15


def _partner(supplier: Supplier) -> str:
    return next((_PARTNER[f] for f in supplier.feeds if f in _PARTNER), "Overige")


def _addresses(
    addresses: pl.DataFrame, gemeente: str, n: int, with_toevoeging: int, rng: np.random.Generator
) -> pl.DataFrame:
    """n distinct dwellings of `gemeente`, of which `with_toevoeging` flats (as many as there are)."""
    own = addresses.filter(pl.col("gemeente") == gemeente).with_columns(
        pl.col("huisnummer_toevoeging").fill_null("")
    )
    flats = own.filter(pl.col("huisnummer_toevoeging") != "")
    houses = own.filter(pl.col("huisnummer_toevoeging") == "")
    n_flats = min(with_toevoeging, flats.height)
    picked = pl.concat(
        [
            flats.sample(n_flats, seed=int(rng.integers(2**31))),
            houses.sample(min(n - n_flats, houses.height), seed=int(rng.integers(2**31))),
        ]
    )
    # Flats and houses interleaved in a seeded order, not in two blocks.
    return picked.sample(fraction=1.0, shuffle=True, seed=int(rng.integers(2**31)))


def ddas_levering(
    addresses: pl.DataFrame,
    *,
    seed: int,
    supplier: str = "dwnk",
    gemeente: str = "Zaanstad",
    gemeentecode: str = "0479",
    signals: int = 40,
    with_toevoeging: int = 10,
    bsn_only: int = 4,
    period_end: date = date(2026, 10, 31),
) -> dict:
    """A v1.2 levering of `signals` vroegsignalen by `supplier` for `gemeente` (see the module).

    `addresses` is a region's reference/adressen.csv (all columns text). The period is the month
    that ends on `period_end`; signal dates fall in it.
    """
    rng = np.random.default_rng(seed)
    who = SUPPLIER_BY_KEY[supplier]
    places = _addresses(addresses, gemeente, signals - bsn_only, with_toevoeging, rng)
    n = bsn_only + places.height
    start = period_end.replace(day=1)
    signal_day = rng.integers(0, (period_end - start).days + 1, n)
    origin_days = rng.integers(*_ORIGIN_DAYS_BEFORE, n)
    amount = rng.integers(*_AMOUNT_EUR, n)
    labels, weights = zip(*_STATUS, strict=True)
    status = rng.choice(np.array(labels), n, p=np.array(weights) / sum(weights))
    crisis = rng.random(n) < _SHARE_CRISIS
    warm = rng.random(n) < _SHARE_WARM
    birth = rng.random(n) < _SHARE_BIRTH_DATE
    age_days = rng.integers(_AGE_YEARS[0] * 365, _AGE_YEARS[1] * 365, n)
    geslacht = rng.choice(np.array(_GESLACHT), n)
    bsns = BsnAllocator(rng).take(bsn_only)
    clients: list[dict[str, str]] = [{"burgerservicenummer": f"{b:09d}"} for b in bsns]
    for i, place in enumerate(places.iter_rows(named=True), start=bsn_only):
        client = {"postcode": place["postcode"], "huisnummer": str(place["huisnummer"])}
        if place["huisnummer_toevoeging"]:
            client["huisnummertoevoeging"] = place["huisnummer_toevoeging"]
        if birth[i]:
            client["geboortedatum"] = (period_end - timedelta(days=int(age_days[i]))).isoformat()
            client["geslachtsaanduiding"] = str(geslacht[i])
        clients.append(client)
    signal_dates = [start + timedelta(days=int(d)) for d in signal_day]
    vroegsignalen = [
        {
            "ID": f"{supplier.upper()}-VS-{seed}-{i + 1:05d}",
            "crisissignaal": bool(crisis[i]),
            "warmeOverdracht": bool(warm[i]),
            "bedrag": int(amount[i]),
            "ontstaansdatum": (signal_dates[i] - timedelta(days=int(origin_days[i]))).isoformat(),
            "signaaldatum": signal_dates[i].isoformat(),
            "status": str(status[i]),
            "signaalpartner": {"type": _partner(who)},
            "client": clients[i],
        }
        for i in range(n)
    ]
    return {
        "codeGegevensleverancier": f"SYNTH-{supplier.upper()}",
        "startdatumLevering": start.isoformat(),
        "einddatumLevering": period_end.isoformat(),
        "aanleverdatumEnTijd": f"{(period_end + timedelta(days=1)).isoformat()}T06:30:00Z",
        "leveringen": [
            {
                "teller": 1,
                "gemeentecode": gemeentecode,
                "aanleverendeOrganisatie": {
                    "naam": who.name,
                    "contactpersonen": [
                        {
                            "naam": "Team Vroegsignalering",
                            "email": f"vroegsignalering@{supplier}.example",
                            "functietitel": "Functionele mailbox",
                        }
                    ],
                },
                "vroegsignalen": vroegsignalen,
            }
        ],
    }


def read_addresses(region_dir: Path) -> pl.DataFrame:
    """A generated region's address register, every column as text."""
    return pl.read_csv(Path(region_dir) / "reference" / "adressen.csv", infer_schema=False)


def write_ddas_levering(region_dir: Path, out: Path, **options) -> Path:
    """Write `ddas_levering(<region's addresses>, **options)` as JSON to `out`."""
    document = ddas_levering(read_addresses(region_dir), **options)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description="Write a synthetic DDAS v1.2 levering.")
    parser.add_argument("--region", type=Path, required=True, help="a folder made by python -m synthetic")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--supplier", default="dwnk", choices=sorted(SUPPLIER_BY_KEY))
    args = parser.parse_args()
    print(write_ddas_levering(args.region, args.out, seed=args.seed, supplier=args.supplier))


if __name__ == "__main__":
    main()
