"""The latent world: the state of every household, vectorised over dwellings ("lanes").

Each lane holds the dwelling's current household. `dynamics.step` advances all lanes by one month
and reports what happened; the same function drives the main simulation and the Monte-Carlo
look-ahead that computes the true 6-month eviction risk, so the risk is the generator's own
probability (up to sampling error).

The model, in order of a month (README.md "The latent model" gives the reasoning and numbers):
1. financial strain: AR(1) around a household baseline, plus rare shocks (job loss, divorce);
   `pressure`, a slow average of strain, stands for exhausted reserves;
2. ontregeling: a persistent trait for a small share, plus episodes whose hazard rises with the
   trait and with strain;
3. non-response: each month a household ignores letters, the court and the bailiff with a
   probability that rises with its avoidance trait and with ontregeling, and falls while the team
   has reached it. Nothing in the feeds reports it; only its consequences show;
4. water arrears: a lower-priority bill, so it follows current strain and comes first:
   herinnering -> aankondiging_afsluiting -> afsluiting_gepland -> afgesloten -> heraangesloten,
   non-responders let it run on;
5. rent arrears (renters): start when reserves are exhausted (pressure); each month the household
   misses again, pays part back, pays everything, or makes a payment arrangement (responders
   only), which can break; the corporation signals once arrears reach a month's rent, again while
   they grow, and again when an arrangement breaks;
6. eviction procedure (corporation tenants): dagvaarding -> vonnis -> aanzegging ->
   ontruiming_gepland -> ontruiming_uitgevoerd, or ingetrokken. Whether a stage moves on depends
   on the hidden state: a responder who can pay settles or gets a conditional judgment it keeps,
   a non-responder gets a default judgment and the bailiff; minimum lags make aanzegging
   impossible within 6 months of a calm state;
7. nuisance reports (corporation tenants) and GGD meldingen, concentrated on ontregeling;
8. outreach: a signal opens a team case with a team-specific probability; the team tries to reach
   the household 1-3 months later (non-responders open the door less); a reached household
   responds, pays and keeps arrangements more for 6 months.
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
    avoid: np.ndarray  # avoidance trait (logit scale) behind non-response
    fraud: np.ndarray  # 0, or the hidden reason index (hennep, woonfraude, overig) of a procedure
    reach_p: np.ndarray  # team's probability of taking up a case
    alive: np.ndarray  # False once the look-ahead follows a household that left
    strain: np.ndarray
    pressure: np.ndarray  # exponential average of strain: reserves used up
    avoid_now: np.ndarray  # an avoidance episode ("head in the sand"): extra logit, 0 outside
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


def logistic(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def non_response(w: World, reached: np.ndarray, p: Params) -> np.ndarray:
    """Probability that the household does not react this month (letters, court, bailiff)."""
    n0, n_avoid, n_o, n_reach = p.non_response
    return logistic(n0 + n_avoid * (w.avoid + w.avoid_now) + n_o * w.ontregeling() + n_reach * reached)


def household_latent(
    tenure: np.ndarray, demographics: dict[str, np.ndarray], p: Params, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Strain baseline, persistent ontregeling, avoidance and hidden eviction grounds of new
    households.

    Tenure, household type and age shape the baseline: that is the world being modelled, and the
    pipeline may not use these as inputs anyway. Avoidance is more common where ontregeling is
    persistent and where strain is structurally high (debt stress makes people stop opening mail).
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
    avoid = (
        p.avoid_spread * rng.standard_normal(n)
        + p.avoid_trait * (trait > 0)
        + p.avoid_strain * (mu - p.strain_base)
    )
    cum = np.cumsum(p.fraud_share)
    u = rng.random(n)
    fraud = np.where(tenure == 2, (u[:, None] < cum).argmax(axis=1) + 1, 0)
    fraud = np.where((tenure == 2) & (u < cum[-1]), fraud, 0)
    return {"mu": mu, "trait": trait, "avoid": avoid, "fraud": fraud.astype(np.int16)}


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
    for name in ("hh", "is_corp", "is_renter", "rent", "mu", "trait", "avoid", "fraud", "reach_p"):
        getattr(world, name)[lanes] = household[name]
    world.alive[lanes] = True
    sd = p.strain_sigma / np.sqrt(1 - p.strain_phi**2)
    world.strain[lanes] = household["mu"] + sd * rng.standard_normal(len(lanes))
    world.pressure[lanes] = world.strain[lanes]
    world.avoid_now[lanes] = 0.0
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
    6-month risk is exactly zero.

    Minimum lags (dynamics._procedure): a dagvaarding for arrears needs arrears at least
    `proc_arrears_age` (4) months old, vonnis follows at the earliest the next month, aanzegging
    the month after. Arrears that start next month therefore reach aanzegging after 7 months at the
    earliest: only lanes with arrears now can. A nuisance case is defended and takes a month
    longer to a vonnis, so its dagvaarding must come by month 3, with a dossier of
    `overlast_dossier_months` report months in the 12 before it: at least dossier - 3 report months
    among the 9 most recent now (older ones leave the window). Hidden grounds may start any month.
    """
    recent = POPCOUNT[w.overlast_months & 0x1FF]
    return (
        w.alive
        & w.is_corp
        & ((w.arrears > 0) | (w.stage > 0) | (w.fraud > 0) | (recent >= p.overlast_dossier_months - 3))
    )
