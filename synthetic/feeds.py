"""From true events to the rows each supplier delivers: the columns of CONTRACTS.md, person fields
as far as the supplier knows them, and the supplier's own bron_referentie."""

from dataclasses import dataclass

import numpy as np
import polars as pl

from synthetic.geography import CORPORATIONS, region_prefix
from synthetic.world import PROC_PHASES, REASONS, WATER_PHASES

COMMON = (
    "bron_referentie",
    "postcode",
    "huisnummer",
    "huisnummer_toevoeging",
    "straat",
    "woonplaats",
    "bsn",
    "voorletters",
    "tussenvoegsel",
    "achternaam",
    "geboortedatum",
    "telefoon",
    "email",
)
FEED_COLUMNS: dict[str, tuple[str, ...]] = {
    "huurachterstand": (
        *COMMON,
        "contractnummer",
        "maandhuur_eur",
        "achterstand_eur",
        "achterstand_maanden",
        "achterstand_sinds",
        "herinnering_verstuurd_op",
        "betalingsregeling",
        "signaaldatum",
    ),
    "ontruiming": (
        *COMMON,
        "contractnummer",
        "reden",
        "fase",
        "fase_datum",
        "geplande_datum",
        "achterstand_eur",
    ),
    "waterafsluiting": (
        *COMMON,
        "klantnummer",
        "achterstand_eur",
        "fase",
        "fase_datum",
        "geplande_afsluitdatum",
        "signaaldatum",
    ),
    "overlast": (*COMMON, "categorie", "meldingsdatum", "ernst", "status", "contractnummer"),
    "ggd_melding": (*COMMON, "categorie", "urgentie", "meldingsdatum", "bekend_bij_zorg", "status"),
}
DATE_COLUMNS = frozenset(
    {
        "geboortedatum",
        "achterstand_sinds",
        "herinnering_verstuurd_op",
        "signaaldatum",
        "fase_datum",
        "geplande_datum",
        "geplande_afsluitdatum",
        "meldingsdatum",
    }
)
DECIMAL_COLUMNS = frozenset({"maandhuur_eur", "achterstand_eur", "achterstand_maanden"})
INTEGER_COLUMNS = frozenset({"huisnummer", "ernst"})
# The date that decides which weekly delivery a row goes in (the supplier's export date).
KNOWN_ON = {
    "huurachterstand": "signaaldatum",
    "ontruiming": "fase_datum",
    "waterafsluiting": "signaaldatum",
    "overlast": "meldingsdatum",
    "ggd_melding": "meldingsdatum",
}


@dataclass(frozen=True)
class Supplier:
    """A fictional organisation; `key` is its supplier code in region 1."""

    key: str
    name: str
    feeds: tuple[str, ...]
    file_format: str  # csv_cp1252 (semicolon, decimal comma), xlsx, csv_bom, csv, json
    weekday: int  # delivery weekday, 0 = Monday


CORPORATION_FEEDS = ("huurachterstand", "ontruiming", "overlast")
SUPPLIERS: tuple[Supplier, ...] = (
    Supplier("zaanoever", "Woonstichting Zaanoever", CORPORATION_FEEDS, "csv_cp1252", 0),
    Supplier("molenwonen", "Stichting Molenwonen", CORPORATION_FEEDS, "xlsx", 1),
    Supplier("wormerhof", "Woongroep Wormerhof", CORPORATION_FEEDS, "csv_bom", 3),
    Supplier("dwnk", "Drinkwaterbedrijf Noordkwartier", ("waterafsluiting",), "csv", 2),
    Supplier("ggd_zw", "GGD Meldpunt Zorg & Overlast Zaan-Waterland", ("ggd_melding",), "json", 4),
)
SUPPLIER_BY_KEY = {s.key: s for s in SUPPLIERS}


def supplier_code(key: str, region: int) -> str:
    """The inbox folder name of a supplier in a region ("zaanoever", "r002-zaanoever")."""
    return region_prefix(region) + key


# Share of rows (or of households, where a supplier either has the field on file or not) that
# carry each person field: corporations know most tenants, the GGD rarely knows a BSN.
_PERSON_FIELDS = {  # bsn, names, geboortedatum, telefoon, email
    "huurachterstand": (0.70, 0.95, 0.60, 0.55, 0.40),
    "ontruiming": (0.70, 0.95, 0.50, 0.30, 0.20),
    "overlast": (0.0, 0.40, 0.0, 0.15, 0.05),
    "waterafsluiting": (0.05, 0.98, 0.20, 0.50, 0.50),
    "ggd_melding": (0.08, 0.45, 0.30, 0.20, 0.05),
}
_REF_FORMAT = {  # (supplier key, feed) -> bron_referentie pattern with one {} for the number
    ("zaanoever", "huurachterstand"): ("ZO-HA-{}", 7),
    ("zaanoever", "ontruiming"): ("ZO-ON-{}", 6),
    ("zaanoever", "overlast"): ("ZO-OV-{}", 6),
    ("molenwonen", "huurachterstand"): ("MWH{}", 8),
    ("molenwonen", "ontruiming"): ("MWO{}", 6),
    ("molenwonen", "overlast"): ("MWK{}", 6),
    ("wormerhof", "huurachterstand"): ("WH/HA/{}", 6),
    ("wormerhof", "ontruiming"): ("WH/OT/{}", 5),
    ("wormerhof", "overlast"): ("WH/OV/{}", 5),
    ("dwnk", "waterafsluiting"): ("DWNK{}", 9),
    ("ggd_zw", "ggd_melding"): ("GGD-MZO-{}", 6),
}
_OVERLAST_CATEGORIES = (
    "geluid",
    "vervuiling_stank",
    "agressie_intimidatie",
    "drugs",
    "verward_gedrag",
    "overig",
)
_OVERLAST_P = np.array(
    [
        [0.60, 0.10, 0.05, 0.05, 0.02, 0.18],  # background complaints
        [0.30, 0.20, 0.15, 0.10, 0.20, 0.05],
    ]
)  # household with ontregeling
_GGD_CATEGORIES = (
    "verward_gedrag",
    "woningvervuiling",
    "zorgmijding",
    "overlast",
    "verwaarlozing",
    "overig",
)
_GGD_P = np.array([0.35, 0.15, 0.20, 0.12, 0.10, 0.08])
_URGENTIE = ("laag", "middel", "hoog", "crisis")


def number_events(events: dict[str, pl.DataFrame], offset: int) -> dict[str, pl.DataFrame]:
    """Give every event row a run-wide unique event_id (links feed rows to the ground truth)."""
    out = {}
    for kind, frame in events.items():
        out[kind] = frame.with_columns((pl.int_range(pl.len(), dtype=pl.Int64) + offset).alias("event_id"))
        offset += frame.height
    return out


def _pick(labels: tuple[str, ...], p: np.ndarray, u: np.ndarray) -> np.ndarray:
    p = np.atleast_2d(p)
    idx = np.minimum((u[:, None] > np.cumsum(p, axis=1)).sum(axis=1), len(labels) - 1)
    return np.array(labels)[idx]


def _date(days: pl.Expr) -> pl.Expr:
    return days.cast(pl.Int32).cast(pl.Date)


def feed_rows(
    events: dict[str, pl.DataFrame], households: pl.DataFrame, rng: np.random.Generator
) -> dict[tuple[str, str], pl.DataFrame]:
    """Typed rows per (supplier key, feed), before mess and delivery assignment.

    `households` has one row per household: address, corporation key, contract, klantnummer and
    the head's person fields. Extra columns `_event_id`, `_household_id` and `_known_day` (days
    since 1970-01-01) travel along for the ground truth and the delivery schedule.
    """
    hh = households
    out: dict[tuple[str, str], pl.DataFrame] = {}
    sig = events["signals"].join(hh, on="household_id", how="left", maintain_order="left")
    huur = sig.select(
        pl.col("corporation_key"),
        pl.col("contractnummer"),
        pl.col("rent_eur").alias("maandhuur_eur"),
        pl.col("arrears_eur").alias("achterstand_eur"),
        pl.col("arrears_months").round(2).alias("achterstand_maanden"),
        _date(pl.col("since_day")).alias("achterstand_sinds"),
        _date(pl.col("reminder_day")).alias("herinnering_verstuurd_op"),
        pl.when(pl.col("arrangement")).then(pl.lit("ja")).otherwise(pl.lit("nee")).alias("betalingsregeling"),
        _date(pl.col("day")).alias("signaaldatum"),
        pl.col("day").alias("_known_day"),
        *_carry(),
    )
    proc = events["procedure"].join(hh, on="household_id", how="left", maintain_order="left")
    ontruiming = proc.select(
        pl.col("corporation_key"),
        pl.col("contractnummer"),
        pl.Series(np.array(REASONS)[proc["reason"].to_numpy()]).alias("reden"),
        pl.Series(np.array(PROC_PHASES)[proc["phase"].to_numpy()]).alias("fase"),
        _date(pl.col("day")).alias("fase_datum"),
        pl.when(pl.col("planned_day") >= 0).then(_date(pl.col("planned_day"))).alias("geplande_datum"),
        pl.when(pl.col("reason") == 0).then(pl.col("arrears_eur")).alias("achterstand_eur"),
        pl.col("day").alias("_known_day"),
        *_carry(),
    )
    water = events["water"].join(hh, on="household_id", how="left", maintain_order="left")
    signal_day = water["day"].to_numpy() + rng.integers(0, 3, water.height)
    waterafsluiting = water.select(
        pl.col("klantnummer"),
        pl.col("arrears_eur").alias("achterstand_eur"),
        pl.Series(np.array(WATER_PHASES)[water["phase"].to_numpy()]).alias("fase"),
        _date(pl.col("day")).alias("fase_datum"),
        pl.when(pl.col("planned_day") >= 0).then(_date(pl.col("planned_day"))).alias("geplande_afsluitdatum"),
        _date(pl.lit(signal_day)).alias("signaaldatum"),
        pl.lit(signal_day).cast(pl.Int32).alias("_known_day"),
        *_carry(),
    )
    ov = events["overlast"].join(hh, on="household_id", how="left", maintain_order="left")
    troubled = (ov["ontregeling"].to_numpy() > 0.3).astype(int)
    n = ov.height
    overlast = ov.select(
        pl.col("corporation_key"),
        pl.Series(_pick(_OVERLAST_CATEGORIES, _OVERLAST_P[troubled], rng.random(n))).alias("categorie"),
        _date(pl.col("day")).alias("meldingsdatum"),
        pl.Series(
            np.minimum(
                1 + (rng.random(n) < 0.35 + 0.3 * troubled) + (rng.random(n) < 0.1 + 0.2 * troubled),
                3,
            )
        ).alias("ernst"),
        pl.Series(
            _pick(("open", "in_behandeling", "afgesloten"), np.array([0.6, 0.3, 0.1]), rng.random(n))
        ).alias("status"),
        pl.when(pl.lit(rng.random(n) < 0.85)).then(pl.col("contractnummer")).alias("contractnummer"),
        pl.col("day").alias("_known_day"),
        *_carry(),
    )
    gg = events["ggd"].join(hh, on="household_id", how="left", maintain_order="left")
    o = gg["ontregeling"].to_numpy()
    n = gg.height
    urgent_p = np.stack(
        [0.40 - 0.1 * (o > 1), 0.40 + 0 * o, 0.16 + 0.05 * (o > 1), 0.04 + 0.05 * (o > 1)], axis=1
    )
    ggd = gg.select(
        pl.Series(_pick(_GGD_CATEGORIES, _GGD_P, rng.random(n))).alias("categorie"),
        pl.Series(_pick(_URGENTIE, urgent_p, rng.random(n))).alias("urgentie"),
        _date(pl.col("day")).alias("meldingsdatum"),
        pl.Series(_pick(("ja", "nee", "onbekend"), np.array([0.35, 0.35, 0.30]), rng.random(n))).alias(
            "bekend_bij_zorg"
        ),
        pl.Series(
            _pick(
                ("nieuw", "in_onderzoek", "toegeleid", "afgesloten"),
                np.array([0.7, 0.2, 0.05, 0.05]),
                rng.random(n),
            )
        ).alias("status"),
        pl.col("day").alias("_known_day"),
        *_carry(),
    )
    for key in CORPORATIONS:
        for feed, frame in (
            ("huurachterstand", huur),
            ("ontruiming", ontruiming),
            ("overlast", overlast),
        ):
            out[(key, feed)] = frame.filter(pl.col("corporation_key") == key).drop("corporation_key")
    out[("dwnk", "waterafsluiting")] = waterafsluiting
    out[("ggd_zw", "ggd_melding")] = ggd
    return {k: _finish(k, v, rng) for k, v in out.items()}


def _carry() -> list[pl.Expr]:
    return [
        pl.col("event_id").alias("_event_id"),
        pl.col("household_id").alias("_household_id"),
        pl.col("bsn").alias("_bsn"),
        *[
            pl.col(c)
            for c in (
                "postcode",
                "huisnummer",
                "huisnummer_toevoeging",
                "straat",
                "woonplaats",
                "bsn",
                "voorletters",
                "tussenvoegsel",
                "achternaam",
                "geboortedatum",
                "telefoon",
                "email",
                "_u_bsn",
                "_u_person",
            )
        ],
    ]


def _finish(key: tuple[str, str], frame: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """Blank the person fields the supplier does not know, number the rows, order the columns."""
    _, feed = key
    p_bsn, p_name, p_birth, p_phone, p_mail = _PERSON_FIELDS[feed]
    n = frame.height
    # BSN and birth date are on file per household (stable over rows); names vary per row.
    u = rng.random((3, n))
    frame = frame.sort("_known_day", "_event_id").with_columns(
        pl.when(pl.col("_u_bsn") < p_bsn).then(pl.col("bsn")).alias("bsn"),
        pl.when(pl.col("_u_person") < p_birth).then(pl.col("geboortedatum")).alias("geboortedatum"),
        *[
            pl.when(pl.lit(u[0] < p_name)).then(pl.col(c)).alias(c)
            for c in ("voorletters", "tussenvoegsel", "achternaam")
        ],
        pl.when(pl.lit(u[1] < p_phone)).then(pl.col("telefoon")).alias("telefoon"),
        pl.when(pl.lit(u[2] < p_mail)).then(pl.col("email")).alias("email"),
    )
    pattern, width = _REF_FORMAT[key]
    first = int(rng.integers(1_000, 40_000))  # the supplier's system has a history before ours
    prefix, suffix = pattern.split("{}")
    frame = frame.with_columns(
        (
            pl.lit(prefix)
            + (pl.int_range(pl.len()) + first).cast(pl.String).str.zfill(width)
            + pl.lit(suffix)
        ).alias("bron_referentie")
    )
    internal = [c for c in frame.columns if c.startswith("_") and not c.startswith("_u_")]
    return frame.select(*FEED_COLUMNS[feed], *internal)
