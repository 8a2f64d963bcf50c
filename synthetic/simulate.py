"""Run the latent world of one region month by month and record everything that happened.

Loops run over months only; every month is a handful of vectorised operations over all dwellings.
The first `burn_in` months are simulated but never delivered, so the delivered period starts from a
stationary state. The true 6-month eviction risk of every corporation household is estimated each
delivered month by running `world.step` forward on replicated lanes (its own random stream).
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import polars as pl

from synthetic.dynamics import step
from synthetic.params import Params
from synthetic.population import draw_demographics, tenure_flags
from synthetic.timeline import RISK_HORIZON
from synthetic.world import (
    AANZEGGING,
    GEPLAND,
    UITGEVOERD,
    World,
    household_latent,
    may_escalate_soon,
    new_world,
    non_response,
    reset_lanes,
)

RISK_PATHS = 64
# Voluntary moves per household per month during the delivered period (about 4% a year); kept
# below the real ~9% so a country-sized run fits the ~9.09 million test-style BSNs.
MOVE_P = 0.0034


@dataclass
class Simulation:
    """Everything the region's latent world produced; days are days since 1970-01-01."""

    households: pl.DataFrame  # one row per household that ever lived in a dwelling
    events: dict[str, pl.DataFrame]  # per kind: arrears, signals, procedure, water, overlast, ggd,
    #                                  contacts, cases
    latent: pl.DataFrame  # one row per household per delivered month


class _Recorder:
    def __init__(self) -> None:
        self.parts: dict[str, list[dict[str, np.ndarray]]] = {}

    def add(self, kind: str, **columns: np.ndarray) -> None:
        if len(next(iter(columns.values()))):
            self.parts.setdefault(kind, []).append(columns)

    def frame(self, kind: str, schema: dict[str, pl.DataType]) -> pl.DataFrame:
        parts = self.parts.get(kind, [])
        if not parts:
            return pl.DataFrame(schema=schema)
        data = {c: np.concatenate([p[c] for p in parts]) for c in schema}
        return pl.DataFrame(data).cast(schema)  # type: ignore[arg-type]


def simulate_region(
    lanes: pl.DataFrame,
    month_start: np.ndarray,
    burn_in: int,
    id_offset: int,
    params: Params,
    rng: np.random.Generator,
    risk_rng: np.random.Generator,
    progress: Callable[[int, int], None] | None = None,
) -> Simulation:
    """Simulate the dwellings in `lanes` (columns dwelling_id, tenure, rent_eur, reach_p) over
    len(month_start) - RISK_HORIZON - 2 months; household ids start at `id_offset`."""
    n_months = len(month_start) - RISK_HORIZON - 2
    tenure = lanes["tenure"].to_numpy()
    rent = lanes["rent_eur"].to_numpy()
    reach_p = lanes["reach_p"].to_numpy()
    n = len(tenure)
    world = new_world(n)
    rec = _Recorder()
    next_id = id_offset
    households: list[dict[str, np.ndarray]] = []

    def move_in(idx: np.ndarray, month: int) -> None:
        nonlocal next_id
        t = tenure[idx]
        demo = draw_demographics(t, rng)
        latent = household_latent(t, demo, params, rng)
        is_corp, is_renter = tenure_flags(t)
        ids = np.arange(next_id, next_id + len(idx), dtype=np.int64)
        next_id += len(idx)
        reset_lanes(
            world,
            idx,
            {
                "hh": ids,
                "is_corp": is_corp,
                "is_renter": is_renter,
                "rent": rent[idx],
                "reach_p": reach_p[idx],
                **latent,
            },
            params,
            rng,
        )
        households.append(
            {
                "household_id": ids,
                "lane": idx,
                "start_month": np.full(len(idx), month),
                **demo,
                "strain_baseline": latent["mu"],
                "ontregeling_trait": latent["trait"],
                "avoidance": latent["avoid"],
                "hidden_ground": latent["fraud"],
            }
        )

    move_in(np.arange(n), 0)
    for m in range(n_months):
        delivered = m >= burn_in
        out = step(world, m, month_start, MOVE_P if delivered else 0.0, params, rng)
        _record_month(rec, world, out, m, month_start, rent, rng)
        evicted = out.proc == UITGEVOERD
        leaving = out.moved | evicted
        idx = np.flatnonzero(leaving)
        rec.add(
            "departures",
            household_id=world.hh[idx],
            month=np.full(len(idx), m),
            evicted=evicted[idx],
        )
        world.alive[idx] = False
        if delivered:
            risk = _latent_risk(world, m, month_start, params, risk_rng)
            # Every lane had a household this month, including those leaving at its end.
            rec.add(
                "latent",
                household_id=world.hh.copy(),
                month=np.full(n, m),
                strain=world.strain,
                ontregeling=world.ontregeling(),
                non_response=non_response(world, world.reached_until >= m, params),
                arrears_eur=np.round(world.arrears * rent, 2),
                in_arrangement=world.arrangement.copy(),
                reached=world.reached_until >= m,
                latent_risk=risk,
            )
        if len(idx) and m + 1 < n_months:
            move_in(idx, m + 1)
        if progress is not None:
            progress(m + 1, n_months)

    return Simulation(
        households=_household_frame(households, rec),
        events=_event_frames(rec),
        latent=rec.frame(
            "latent",
            {
                "household_id": pl.Int64,
                "month": pl.Int32,
                "strain": pl.Float32,
                "ontregeling": pl.Float32,
                "non_response": pl.Float32,
                "arrears_eur": pl.Float64,
                "in_arrangement": pl.Boolean,
                "reached": pl.Boolean,
                "latent_risk": pl.Float32,
            },
        ),
    )


def _latent_risk(
    world: World, m: int, month_start: np.ndarray, params: Params, rng: np.random.Generator
) -> np.ndarray:
    """P(a procedure reaches aanzegging or beyond, or an eviction is executed, in months
    m+1..m+6), per lane; exactly zero outside `may_escalate_soon`."""
    risk = np.zeros(len(world.hh), dtype=np.float32)
    at_risk = np.flatnonzero(may_escalate_soon(world, params))
    if len(at_risk) == 0:
        return risk
    paths = world.take(np.repeat(at_risk, RISK_PATHS))
    hit = np.zeros(len(paths.hh), dtype=bool)
    for k in range(1, RISK_HORIZON + 1):
        out = step(paths, m + k, month_start, MOVE_P, params, rng)
        hit |= paths.alive & (out.proc >= AANZEGGING) & (out.proc <= UITGEVOERD)
        paths.alive &= ~out.moved & (out.proc != UITGEVOERD)
    risk[at_risk] = hit.reshape(-1, RISK_PATHS).mean(axis=1)
    return risk


def _days_in_month(m: int, month_start: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    first, last = month_start[m], month_start[m + 1]
    return (first + rng.random(k) * (last - first)).astype(np.int32)


def _record_month(
    rec: _Recorder,
    w: World,
    out,
    m: int,
    month_start: np.ndarray,
    rent: np.ndarray,
    rng: np.random.Generator,
) -> None:
    hh = w.hh
    i = np.flatnonzero(out.arrears_started)
    rec.add(
        "arrears",
        household_id=hh[i],
        day=w.arrears_start_day[i],
        event=np.full(len(i), "arrears_started"),
        amount_eur=np.round(w.arrears[i] * rent[i], 2),
    )
    i = np.flatnonzero(out.arrears_cleared)
    rec.add(
        "arrears",
        household_id=hh[i],
        day=_days_in_month(m, month_start, len(i), rng),
        event=np.full(len(i), "arrears_cleared"),
        amount_eur=np.zeros(len(i)),
    )
    i = np.flatnonzero(out.arrangement_started)
    rec.add(
        "arrears",
        household_id=hh[i],
        day=_days_in_month(m, month_start, len(i), rng),
        event=np.full(len(i), "arrangement_started"),
        amount_eur=np.round(w.arrears[i] * rent[i], 2),
    )
    i = np.flatnonzero(out.signal)
    rec.add(
        "signals",
        household_id=hh[i],
        lane=i,
        day=np.maximum(_days_in_month(m, month_start, len(i), rng), w.reminder_day[i] + 1),
        rent_eur=rent[i],
        arrears_months=w.arrears[i],
        arrears_eur=np.round(w.arrears[i] * rent[i], 2),
        since_day=w.arrears_start_day[i],
        reminder_day=w.reminder_day[i],
        arrangement=w.arrangement[i],
    )
    i = np.flatnonzero(out.proc)
    rec.add(
        "procedure",
        household_id=hh[i],
        lane=i,
        day=out.proc_day[i],
        phase=out.proc[i],
        reason=out.proc_reason[i],
        planned_day=np.where(out.proc[i] == GEPLAND, w.planned_day[i], -1),
        arrears_eur=np.round(w.arrears[i] * rent[i], 2),
    )
    i = np.flatnonzero(out.water)
    rec.add(
        "water",
        household_id=hh[i],
        lane=i,
        day=out.water_day[i],
        phase=out.water[i],
        arrears_eur=w.water_eur[i],
        planned_day=np.where(out.water[i] == 3, w.water_planned_day[i], -1),
    )
    o = w.ontregeling()
    for kind, counts in (("overlast", out.overlast), ("ggd", out.ggd)):
        i = np.repeat(np.arange(len(hh)), counts)
        rec.add(
            kind,
            household_id=hh[i],
            lane=i,
            day=_days_in_month(m, month_start, len(i), rng),
            ontregeling=o[i],
        )
    i = np.flatnonzero(out.opened)
    rec.add("cases", household_id=hh[i], lane=i, month=np.full(len(i), m), due_month=w.contact_due[i])
    i = np.flatnonzero(out.contact)
    rec.add("contacts", household_id=hh[i], lane=i, month=np.full(len(i), m), reached=out.reached[i])


def _household_frame(parts: list[dict[str, np.ndarray]], rec: _Recorder) -> pl.DataFrame:
    frame = pl.DataFrame({c: np.concatenate([p[c] for p in parts]) for c in parts[0]})
    departures = rec.frame("departures", {"household_id": pl.Int64, "month": pl.Int32, "evicted": pl.Boolean})
    return frame.join(
        departures.rename({"month": "end_month"}),
        on="household_id",
        how="left",
        maintain_order="left",
    )


def _event_frames(rec: _Recorder) -> dict[str, pl.DataFrame]:
    i64, i32, f8 = pl.Int64, pl.Int32, pl.Float64
    return {
        "arrears": rec.frame(
            "arrears", {"household_id": i64, "day": i32, "event": pl.String, "amount_eur": f8}
        ),
        "signals": rec.frame(
            "signals",
            {
                "household_id": i64,
                "lane": i32,
                "day": i32,
                "rent_eur": f8,
                "arrears_months": f8,
                "arrears_eur": f8,
                "since_day": i32,
                "reminder_day": i32,
                "arrangement": pl.Boolean,
            },
        ),
        "procedure": rec.frame(
            "procedure",
            {
                "household_id": i64,
                "lane": i32,
                "day": i32,
                "phase": pl.Int8,
                "reason": pl.Int8,
                "planned_day": i32,
                "arrears_eur": f8,
            },
        ),
        "water": rec.frame(
            "water",
            {
                "household_id": i64,
                "lane": i32,
                "day": i32,
                "phase": pl.Int8,
                "arrears_eur": f8,
                "planned_day": i32,
            },
        ),
        "overlast": rec.frame("overlast", {"household_id": i64, "lane": i32, "day": i32, "ontregeling": f8}),
        "ggd": rec.frame("ggd", {"household_id": i64, "lane": i32, "day": i32, "ontregeling": f8}),
        "cases": rec.frame("cases", {"household_id": i64, "lane": i32, "month": i32, "due_month": i32}),
        "contacts": rec.frame(
            "contacts", {"household_id": i64, "lane": i32, "month": i32, "reached": pl.Boolean}
        ),
    }
