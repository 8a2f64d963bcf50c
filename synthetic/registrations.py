"""Historic team registrations: contact attempts and end results, as the municipality's previous
registration system holds them (about 80% of what the teams really did), in DDAS vocabulary."""

import numpy as np
import polars as pl

REGISTERED_SHARE = 0.8
_ADDRESS = ("postcode", "huisnummer", "huisnummer_toevoeging", "wijkteam")
SOORT = (
    "Mail",
    "Brief",
    "SMS/Whatsapp",
    "Telefoon",
    "Huisbezoek",
    "Kaartje",
    "Overige",
    "Administratief",
)
_SOORT_FIRST = np.array([0.05, 0.35, 0.10, 0.28, 0.20, 0.0, 0.01, 0.01])
_SOORT_LATER = np.array([0.02, 0.05, 0.10, 0.33, 0.38, 0.12, 0.0, 0.0])
DAGDEEL = ("Ochtend", "Middag", "Avond")
_DAGDEEL_P = np.array([0.45, 0.40, 0.15])
_RESULT_REACHED = (
    ("(Budget)advies en/of quick fix", 0.25),
    ("Vervolghulp en/of verwijzing financieel", 0.24),
    ("Vervolghulp en/of verwijzing niet financieel", 0.12),
    ("Inwoner hoeft geen hulp vanuit vroegsignalering", 0.15),
    ("Inwoner heeft zelf al betaald/betalingsregeling getroffen", 0.14),
    ("Inwoner al bekend bij schuldhulpverlening", 0.05),
    ("Inwoner heeft al een ander lopend traject", 0.05),
)
_RESULT_NOT_REACHED = (
    ("Definitief geen contact kunnen krijgen", 0.5),
    ("Geen reactie na eerder contact", 0.2),
    ("Verwijzing zonder contact", 0.2),
    ("Niet opgepakt: andere reden", 0.1),
)


def _choose(options: tuple[tuple[str, float], ...], u: np.ndarray) -> np.ndarray:
    labels = np.array([o[0] for o in options])
    cum = np.cumsum([o[1] for o in options])
    return labels[np.minimum((u[:, None] > cum / cum[-1]).sum(axis=1), len(labels) - 1)]


def contact_attempts(
    contacts: pl.DataFrame, month_start: np.ndarray, rng: np.random.Generator
) -> pl.DataFrame:
    """All true attempts: one row per attempt with household_id, day, soort, bereikt, dagdeel,
    case (index of the contact) and is_last. A reached household answered the last attempt."""
    n = contacts.height
    reached = contacts["reached"].to_numpy()
    u = rng.random((2, n))
    k = np.where(reached, 1 + (u[0] < 0.5) + (u[0] < 0.2), 2 + (u[1] < 0.4))
    case = np.repeat(np.arange(n), k)
    m = contacts["month"].to_numpy()[case]
    first, length = month_start[m], month_start[m + 1] - month_start[m]
    day = (first + rng.random(len(case)) * length).astype(np.int32)
    order = np.lexsort((day, case))
    case, day = case[order], day[order]
    start = np.r_[0, np.cumsum(k)[:-1]]
    attempt = np.arange(len(case)) - start[case]
    is_last = attempt == k[case] - 1
    p = np.where((attempt == 0)[:, None], _SOORT_FIRST, _SOORT_LATER)
    soort = np.array(SOORT)[
        np.minimum((rng.random(len(case))[:, None] > np.cumsum(p, axis=1)).sum(axis=1), len(SOORT) - 1)
    ]
    dagdeel = np.array(DAGDEEL)[
        np.minimum((rng.random(len(case))[:, None] > np.cumsum(_DAGDEEL_P)).sum(axis=1), 2)
    ]
    return pl.DataFrame(
        {
            "household_id": contacts["household_id"].to_numpy()[case],
            "case": case.astype(np.int64),
            "day": day,
            "soort": soort,
            "bereikt": np.where(is_last & reached[case], "ja", "nee"),
            "dagdeel": dagdeel,
            "is_last": is_last,
            "registered": rng.random(len(case)) < REGISTERED_SHARE,
        }
    )


def case_results(attempts: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """One eindresultaat per contact case, dated 0-14 days after its last attempt."""
    last = attempts.filter("is_last")
    n = last.height
    u = rng.random(n)
    reached = (last["bereikt"] == "ja").to_numpy()
    return last.select(
        "household_id",
        "case",
        (pl.col("day") + pl.lit(rng.integers(0, 15, n))).cast(pl.Int32).alias("day"),
        pl.Series(
            "eindresultaat",
            np.where(reached, _choose(_RESULT_REACHED, u), _choose(_RESULT_NOT_REACHED, u)),
        ),
        pl.lit(rng.random(n) < REGISTERED_SHARE).alias("registered"),
    )


def registration_files(
    attempts: pl.DataFrame,
    results: pl.DataFrame,
    households: pl.DataFrame,
    first_day: int,
    end_day: int,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The registered part of attempts and results within the delivered period, by address."""
    address = households.select("household_id", *_ADDRESS)

    def registered(frame: pl.DataFrame) -> pl.DataFrame:
        return (
            frame.filter(pl.col("registered") & pl.col("day").is_between(first_day, end_day))
            .join(address, on="household_id", how="left", maintain_order="left")
            .with_columns(pl.col("day").cast(pl.Date).alias("datum"))
            .sort("day", "household_id", maintain_order=True)
        )

    pogingen = registered(attempts).select(*_ADDRESS, "datum", "soort", "bereikt", "dagdeel")
    resultaten = registered(results).select(*_ADDRESS, "datum", "eindresultaat")
    return pogingen, resultaten
