"""Households (occupants of a dwelling) and their heads: demographics, names, BSN and contact data.

A dwelling is one lane of the simulation. Its occupant changes when a household moves out or is
evicted; the new household gets fresh demographics, a fresh latent state and, in a corporation
home, a new contract.
"""

import numpy as np
import polars as pl

from synthetic.addresses import CORP, KOOP, PRIVATE
from synthetic.vocab import INITIAL_WEIGHTS, INITIALS, SURNAMES

AGE_BANDS = ("18-26", "27-44", "45-64", "65-74", "75+")
HOUSEHOLD_TYPES = (
    "alleenstaand",
    "paar_zonder_kinderen",
    "paar_met_kinderen",
    "eenoudergezin",
    "overig",
)
# P(household type | tenure): corporation homes house more single people and single parents.
_TYPE_BY_TENURE = np.array(
    [
        [0.22, 0.33, 0.36, 0.06, 0.03],  # koop
        [0.50, 0.25, 0.13, 0.08, 0.04],  # particuliere huur
        [0.48, 0.18, 0.16, 0.14, 0.04],  # corporatie
    ]
)
# P(age band of the head | household type).
_AGE_BY_TYPE = np.array(
    [
        [0.14, 0.26, 0.28, 0.14, 0.18],
        [0.06, 0.24, 0.30, 0.24, 0.16],
        [0.02, 0.55, 0.42, 0.01, 0.00],
        [0.04, 0.48, 0.46, 0.02, 0.00],
        [0.15, 0.25, 0.35, 0.15, 0.10],
    ]
)
_AGE_RANGE = np.array([[18, 26], [27, 44], [45, 64], [65, 74], [75, 95]])
# Number of children (1, 2, 3, 4) of couples with children and of single parents; extra members of
# "overig" households (1, 2, 3).
_KIDS_COUPLE = np.array([0.38, 0.42, 0.15, 0.05])
_KIDS_SINGLE = np.array([0.55, 0.33, 0.12, 0.0])
_EXTRA_OTHER = np.array([0.6, 0.3, 0.1, 0.0])

# BSN: 9 digits, first digit 9 like the government's test numbers, check digit by the elfproef.
_BSN_WEIGHTS = np.array([9, 8, 7, 6, 5, 4, 3, 2])


def draw_demographics(tenure: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Household type, size and the head's age band for households in dwellings of `tenure`."""
    n = len(tenure)
    htype = _pick(_TYPE_BY_TENURE[tenure], rng.random(n))
    age = _pick(_AGE_BY_TYPE[htype], rng.random(n))
    kids = 1 + np.select(
        [htype == 2, htype == 3, htype == 4],
        [
            _pick(np.broadcast_to(p, (n, 4)), rng.random(n))
            for p in (_KIDS_COUPLE, _KIDS_SINGLE, _EXTRA_OTHER)
        ],
        -1,
    )
    size = np.select([htype == 0, htype == 1, htype == 2], [1, 2, 2 + kids], 1 + kids)
    return {
        "household_type": htype.astype(np.int8),
        "size": size.astype(np.int8),
        "age_band": age.astype(np.int8),
    }


def _pick(probabilities: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Row-wise categorical draw: index of the first cumulative probability above u."""
    return np.minimum((u[:, None] > np.cumsum(probabilities, axis=1)).sum(axis=1), probabilities.shape[1] - 1)


class BsnAllocator:
    """Hands out unique BSNs: 9 digits, first digit 9 (like the government's test numbers), valid
    by the elfproef. An affine bijection of the 10 million possible middle digits, walked in order,
    keeps every BSN of a run unique across regions without holding a pool in memory; 10 in 11
    middles give a valid check digit, so a run can hold about 9.09 million heads.
    """

    _SPACE = 10_000_000

    def __init__(self, rng: np.random.Generator) -> None:
        self._a = int(rng.integers(100_000, self._SPACE // 10)) * 10 + 3  # coprime to 10
        self._b = int(rng.integers(0, self._SPACE))
        self._cursor = 0

    def take(self, n: int) -> np.ndarray:
        """The next n BSNs as int64."""
        parts, found = [], 0
        while found < n:
            want = int((n - found) * 1.12) + 16
            idx = np.arange(self._cursor, min(self._cursor + want, self._SPACE), dtype=np.int64)
            if len(idx) == 0:
                raise ValueError("more households than unique test-style BSNs (about 9.09 million)")
            middle = (idx * self._a + self._b) % self._SPACE
            digits = (middle[:, None] // 10 ** np.arange(6, -1, -1)) % 10
            check = (81 + digits @ _BSN_WEIGHTS[1:]) % 11
            valid = np.flatnonzero(check < 10)[: n - found]
            # Resume right after the last middle used, so no valid number is skipped or reused.
            self._cursor = int(idx[valid[-1]]) + 1 if len(valid) else int(idx[-1]) + 1
            parts.append(900_000_000 + middle[valid] * 10 + check[valid])
            found += len(valid)
        return np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)


def passes_elfproef(bsn: np.ndarray) -> np.ndarray:
    """Elfproef on 9-digit integers: 9*d1 + 8*d2 + ... + 2*d8 - d9 is divisible by 11."""
    digits = (np.asarray(bsn, dtype=np.int64)[:, None] // 10 ** np.arange(8, -1, -1)) % 10
    return ((digits[:, :8] @ _BSN_WEIGHTS - digits[:, 8]) % 11 == 0) & (digits[:, 0] > 0)


def build_persons(
    households: pl.DataFrame, bsn: np.ndarray, end_date_days: int, rng: np.random.Generator
) -> pl.DataFrame:
    """One head per household: name, birth date consistent with the age band at end_date, BSN,
    phone and e-mail. `households` needs household_id and age_band (index into AGE_BANDS)."""
    n = households.height
    age_band = households["age_band"].to_numpy()
    surname = rng.integers(0, len(SURNAMES), n)
    tussen = np.array([s[0] for s in SURNAMES])[surname]
    achternaam = np.array([s[1] for s in SURNAMES])[surname]
    p = np.array(INITIAL_WEIGHTS, dtype=float)
    letters = np.array(list(INITIALS))[rng.choice(len(INITIALS), size=(n, 3), p=p / p.sum())]
    n_initials = 1 + (rng.random(n) < 0.45) + (rng.random(n) < 0.12)
    voorletters = (
        pl.Series(np.char.add(letters[:, 0], "."))
        .to_frame("v")
        .with_columns(
            pl.when(pl.lit(n_initials >= 2))
            .then(pl.col("v") + letters[:, 1] + ".")
            .otherwise(pl.col("v"))
            .alias("v")
        )
        .with_columns(
            pl.when(pl.lit(n_initials >= 3))
            .then(pl.col("v") + letters[:, 2] + ".")
            .otherwise(pl.col("v"))
            .alias("v")
        )["v"]
    )
    low, high = _AGE_RANGE[age_band, 0], _AGE_RANGE[age_band, 1]
    age_days = ((low + rng.random(n) * (high + 1 - low)) * 365.25).astype(np.int64)
    birth = (end_date_days - age_days).astype("datetime64[D]")
    phone = np.char.add("06-9", np.char.zfill(rng.integers(0, 10_000_000, n).astype(str), 7))
    frame = pl.DataFrame(
        {
            "household_id": households["household_id"],
            "bsn": pl.Series(bsn[:n]).cast(pl.String),
            "voorletters": voorletters,
            "tussenvoegsel": pl.Series(tussen).replace("", None),
            "achternaam": achternaam,
            "geboortedatum": pl.Series(birth).cast(pl.Date),
            "telefoon": phone,
        }
    )
    ascii_name = (
        pl.col("achternaam").str.to_lowercase().str.replace_many(["ç", "ö", "ü", " "], ["c", "o", "u", ""])
    )
    return frame.with_columns(
        (
            pl.col("voorletters").str.slice(0, 1).str.to_lowercase()
            + "."
            + pl.col("tussenvoegsel").fill_null("").str.replace_all(" ", "")
            + ascii_name
            + pl.Series(rng.integers(1, 100, n)).cast(pl.String)
            + "@example.nl"
        ).alias("email")
    )


def tenure_flags(tenure: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(is_corporation, is_renter) for tenure codes."""
    return tenure == CORP, (tenure == CORP) | (tenure == PRIVATE)


__all__ = [
    "AGE_BANDS",
    "HOUSEHOLD_TYPES",
    "KOOP",
    "BsnAllocator",
    "build_persons",
    "draw_demographics",
    "passes_elfproef",
    "tenure_flags",
]
