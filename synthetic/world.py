"""The latent world: the state of every household, vectorised over dwellings ("lanes").

Each lane holds the dwelling's current household. `dynamics.step` advances all lanes by one month
and reports what happened; the same function drives the main simulation and the Monte-Carlo
look-ahead that computes the true 6-month eviction risk, so the risk is the generator's own
probability (up to sampling error).

The model, in order of a month:
1. financial strain: AR(1) around a household baseline, plus rare shocks (job loss, divorce);
2. ontregeling: a persistent trait for a small share, plus episodes whose hazard rises with the
   trait and with strain;
3. rent arrears (renters): an episode starts with a missed payment; each month the household misses
   again, pays part back, pays everything, or makes a payment arrangement; the corporation sends a
   reminder first and a signal once arrears reach one month's rent, and again while they grow;
4. eviction procedure (corporation tenants): dagvaarding -> vonnis -> aanzegging ->
   ontruiming_gepland -> ontruiming_uitgevoerd, withdrawn (ingetrokken) when the tenant pays or
   keeps an arrangement; minimum lags make aanzegging impossible within 6 months of a calm state;
5. water arrears: herinnering -> aankondiging_afsluiting -> afsluiting_gepland -> afgesloten ->
   heraangesloten, most cleared by payment early on;
6. nuisance reports (corporation tenants) and GGD meldingen, concentrated on ontregeling;
7. outreach: a signal opens a team case with a team-specific probability; the team tries to reach
   the household 1-3 months later; a reached household pays back faster and escalates less for 6
   months.
"""

from dataclasses import dataclass, fields

import numpy as np

from synthetic.params import Params

# Procedure stages and what `StepOut.proc` reports.
DAGVAARDING, VONNIS, AANZEGGING, GEPLAND, UITGEVOERD, INGETROKKEN = 1, 2, 3, 4, 5, 6
PROC_PHASES = (
    "",
    "dagvaarding",
    "vonnis",
    "aanzegging",
    "ontruiming_gepland",
    "ontruiming_uitgevoerd",
    "ingetrokken",
)
REASONS = ("huurachterstand", "overlast", "hennep", "woonfraude", "overig")
WATER_PHASES = (
    "",
    "herinnering",
    "aankondiging_afsluiting",
    "afsluiting_gepland",
    "afgesloten",
    "heraangesloten",
)


@dataclass
class World:
    """Per-lane arrays. Static fields describe the current household, the rest is its state."""

    hh: np.ndarray  # current household id of the lane
    is_corp: np.ndarray
    is_renter: np.ndarray
    rent: np.ndarray
    mu: np.ndarray  # strain baseline
    trait: np.ndarray  # persistent ontregeling (0 for most)
    fraud: np.ndarray  # 0, or the hidden reason index (hennep, woonfraude, overig) of a procedure
    reach_p: np.ndarray  # team's probability of taking up a case
    alive: np.ndarray  # False once the look-ahead follows a household that left
    strain: np.ndarray
    episode: np.ndarray
    arrears: np.ndarray  # in months of rent
    arrears_age: np.ndarray
    arrears_start_day: np.ndarray
    arrangement: np.ndarray
    reminder_day: np.ndarray
    signalled_at: np.ndarray  # arrears level of the last corporation signal (0 = none)
    stage: np.ndarray
    stage_age: np.ndarray
    reason: np.ndarray
    planned_day: np.ndarray
    water_phase: np.ndarray
    water_eur: np.ndarray
    water_age: np.ndarray
    water_planned_day: np.ndarray
    overlast_months: np.ndarray  # bitmask: months of the last 12 with a nuisance report
    contact_due: np.ndarray
    reached_until: np.ndarray

    def take(self, idx: np.ndarray) -> "World":
        """A copy of the lanes `idx` (the look-ahead replicates lanes this way)."""
        return World(**{f.name: getattr(self, f.name)[idx] for f in fields(self)})

    def ontregeling(self) -> np.ndarray:
        return self.trait + self.episode


def household_latent(
    tenure: np.ndarray, demographics: dict[str, np.ndarray], p: Params, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Strain baseline, persistent ontregeling and hidden eviction grounds of new households.

    Tenure, household type and age shape the baseline: that is the world being modelled, and the
    pipeline may not use these as inputs anyway.
    """
    n = len(tenure)
    htype, age = demographics["household_type"], demographics["age_band"]
    mu = (
        p.strain_base
        + np.asarray(p.strain_tenure)[tenure]
        + np.asarray(p.strain_type)[htype]
        + np.asarray(p.strain_age)[age]
        + p.strain_spread * rng.standard_normal(n)
    )
    share = p.trait_share * np.where((tenure == 2) & (htype == 0), 2.0, 1.0)
    trait = np.where(rng.random(n) < share, 0.5 + 0.7 * rng.random(n), 0.0)
    cum = np.cumsum(p.fraud_share)
    u = rng.random(n)
    fraud = np.where(tenure == 2, (u[:, None] < cum).argmax(axis=1) + 1, 0)
    fraud = np.where((tenure == 2) & (u < cum[-1]), fraud, 0)
    return {"mu": mu, "trait": trait, "fraud": fraud.astype(np.int16)}


def new_world(n: int) -> World:
    """Empty lanes; `reset_lanes` fills in the households."""
    f8, i4 = np.zeros(n), np.full(n, -1, dtype=np.int32)
    values = {f.name: f8.copy() for f in fields(World)}
    for name in (
        "hh",
        "arrears_start_day",
        "reminder_day",
        "planned_day",
        "water_planned_day",
        "contact_due",
        "reached_until",
    ):
        values[name] = i4.copy() if name != "hh" else np.full(n, -1, dtype=np.int64)
    for name in ("is_corp", "is_renter", "arrangement", "alive"):
        values[name] = np.zeros(n, dtype=bool)
    for name in (
        "fraud",
        "stage",
        "stage_age",
        "reason",
        "water_phase",
        "water_age",
        "arrears_age",
    ):
        values[name] = np.zeros(n, dtype=np.int16)
    values["overlast_months"] = np.zeros(n, dtype=np.uint16)
    return World(**values)


def reset_lanes(
    world: World,
    lanes: np.ndarray,
    household: dict[str, np.ndarray],
    p: Params,
    rng: np.random.Generator,
) -> None:
    """Move new households into `lanes`: static fields from `household`, a fresh latent state.
    Strain starts from its stationary distribution around the household's baseline."""
    for name in ("hh", "is_corp", "is_renter", "rent", "mu", "trait", "fraud", "reach_p"):
        getattr(world, name)[lanes] = household[name]
    world.alive[lanes] = True
    sd = p.strain_sigma / np.sqrt(1 - p.strain_phi**2)
    world.strain[lanes] = household["mu"] + sd * rng.standard_normal(len(lanes))
    for name in ("episode", "arrears", "signalled_at", "water_eur"):
        getattr(world, name)[lanes] = 0.0
    for name in ("stage", "stage_age", "reason", "water_phase", "water_age", "overlast_months"):
        getattr(world, name)[lanes] = 0
    world.arrears_age[lanes] = -1
    world.arrangement[lanes] = False
    for name in (
        "arrears_start_day",
        "reminder_day",
        "planned_day",
        "water_planned_day",
        "contact_due",
        "reached_until",
    ):
        getattr(world, name)[lanes] = -1


POPCOUNT = np.array([bin(i).count("1") for i in range(4096)], dtype=np.int8)


def may_escalate_soon(w: World, p: Params) -> np.ndarray:
    """Lanes for which aanzegging (or beyond) is reachable within 6 months; for all others the
    6-month risk is exactly zero. With at least two months from dagvaarding to vonnis and one from
    vonnis to aanzegging, a new procedure must start by month 3, which needs arrears now (they take
    3 months to age), hidden grounds, or a nuisance dossier that can be complete by month 3: at
    least dossier - 3 report months among the 9 most recent (older ones leave the 12-month window).
    """
    recent = POPCOUNT[w.overlast_months & 0x1FF]
    return (
        w.alive
        & w.is_corp
        & ((w.arrears > 0) | (w.stage > 0) | (w.fraud > 0) | (recent >= p.overlast_dossier_months - 3))
    )
