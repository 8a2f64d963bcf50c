"""One month of the latent world: `step` advances every lane and reports what happened.

The same function drives the main simulation and the Monte-Carlo look-ahead of the latent risk;
world.py describes the model and holds the state, params.py every number.
"""

from dataclasses import dataclass

import numpy as np

from synthetic.params import Params
from synthetic.world import (
    AANZEGGING,
    DAGVAARDING,
    GEPLAND,
    INGETROKKEN,
    POPCOUNT,
    UITGEVOERD,
    VONNIS,
    World,
    logistic,
    non_response,
)

N_UNIFORMS = 32


@dataclass
class StepOut:
    """What happened to each lane in one month (arrays of lane length)."""

    arrears_started: np.ndarray
    arrears_cleared: np.ndarray
    arrangement_started: np.ndarray
    signal: np.ndarray  # corporation huurachterstand row
    proc: np.ndarray  # PROC_PHASES index of a procedure transition, 0 = none
    proc_day: np.ndarray
    proc_reason: np.ndarray
    water: np.ndarray  # WATER_PHASES index of a phase change, 0 = none
    water_day: np.ndarray
    overlast: np.ndarray  # number of nuisance reports
    ggd: np.ndarray  # number of GGD meldingen
    opened: np.ndarray  # a team case opened
    contact: np.ndarray  # the team tried to reach the household this month
    reached: np.ndarray  # ... and reached it
    moved: np.ndarray  # the household left voluntarily at the end of the month


def step(
    w: World, m: int, month_start: np.ndarray, move_p: float, p: Params, rng: np.random.Generator
) -> StepOut:
    """Advance every lane of `w` through month `m` (in place) and report the month's events.

    `month_start` holds the first day (days since 1970-01-01) of every month index up to m + 2.
    """
    n = len(w.hh)
    u = rng.random((N_UNIFORMS, n), dtype=np.float32)
    first, length = month_start[m], month_start[m + 1] - month_start[m]
    day = first + (u[0] * length).astype(np.int32)
    act = w.alive
    reached = w.reached_until >= m

    # 1-3. strain, reserves, ontregeling, non-response
    shock = u[1] < p.shock_p
    w.strain = (
        w.mu
        + p.strain_phi * (w.strain - w.mu)
        + p.strain_sigma * rng.standard_normal(n)
        + p.shock_size * shock
    )
    w.pressure = p.pressure_keep * w.pressure + (1 - p.pressure_keep) * w.strain
    # Avoidance episodes: debt stress makes people stop opening letters for a while.
    e0, e1 = p.avoid_episode_p
    in_avoid = w.avoid_now > 0
    avoid_starts = ~in_avoid & (u[30] < e0 + e1 * np.minimum(w.arrears, 3.0))
    avoid_ends = in_avoid & (u[30] < 1.0 / p.avoid_episode_months)
    w.avoid_now = np.where(
        avoid_ends, 0.0, np.where(avoid_starts, p.avoid_episode_size * (0.5 + u[31]), w.avoid_now)
    )
    pos_strain = np.maximum(w.strain, 0.0)
    in_episode = w.episode > 0
    ends = in_episode & (u[2] < 1.0 / p.episode_months)
    starts = ~in_episode & (u[2] < p.episode_base + p.episode_trait * w.trait + p.episode_strain * pos_strain)
    w.episode = np.where(ends, 0.0, np.where(starts, 0.4 + 0.8 * u[3], w.episode))
    o = w.ontregeling()
    silent = non_response(w, reached, p)

    # 4. water (before rent: the bill people let slide first)
    water, water_day = _water(w, m, day, reached, o, silent, act, u, p, month_start)

    # 5. rent arrears
    rent = _arrears(w, m, first, day, reached, o, silent, act, u, p, month_start)

    # 6. eviction procedure; a settlement pays the arrears or makes an arrangement
    proc, proc_day, proc_reason, pays, arranges = _procedure(
        w, m, first, day, reached, o, silent, act, u, p, month_start
    )
    settled_pay = pays & (w.arrears > 0)
    w.arrears = np.where(pays, 0.0, w.arrears)
    w.arrears_age = np.where(pays, -1, w.arrears_age).astype(np.int16)
    w.arrears_start_day = np.where(pays, -1, w.arrears_start_day)
    w.reminder_day = np.where(pays, -1, w.reminder_day).astype(np.int32)
    w.signalled_at = np.where(pays, 0.0, w.signalled_at)
    new_deal = arranges & ~w.arrangement & (w.arrears > 0)
    w.arrangement = w.arrangement | new_deal

    # 7. nuisance and GGD
    overlast = np.where(act & w.is_corp, rng.poisson(p.overlast_base + p.overlast_ontregeling * o**2), 0)
    ggd = np.where(act, rng.poisson(p.ggd_base + p.ggd_ontregeling * o * (1 + o)), 0)
    w.overlast_months = ((w.overlast_months << 1) & 0xFFF) | (overlast > 0)

    # 8. outreach
    due = act & (w.contact_due == m)
    got = due & (u[11] < p.contact_reached_p * (1 - p.contact_silent_factor * silent))
    w.reached_until = np.where(got, m + p.reached_months, w.reached_until).astype(np.int32)
    w.contact_due = np.where(due, -1, w.contact_due).astype(np.int32)
    trigger = (
        rent["signal"]
        | (proc == DAGVAARDING)
        | (proc == VONNIS)
        | (proc == AANZEGGING)
        | (water >= 2) & (water <= 4)
        | (overlast > 0)
        | (ggd > 0)
    )
    idle = (w.contact_due < 0) & (w.reached_until < m)
    opened = act & trigger & idle & (u[12] < w.reach_p)
    delay = 1 + (u[13] > 0.45) + (u[13] > 0.85)
    w.contact_due = np.where(opened, m + delay, w.contact_due).astype(np.int32)

    moved = act & (u[14] < move_p) & (proc != UITGEVOERD)
    return StepOut(
        arrears_started=rent["started"],
        arrears_cleared=rent["cleared"] | settled_pay,
        arrangement_started=rent["arrangement"] | new_deal,
        signal=rent["signal"],
        proc=proc,
        proc_day=proc_day,
        proc_reason=proc_reason,
        water=water,
        water_day=water_day,
        overlast=overlast,
        ggd=ggd,
        opened=opened,
        contact=due,
        reached=got,
        moved=moved,
    )


def _arrears(
    w: World,
    m: int,
    first: int,
    day: np.ndarray,
    reached: np.ndarray,
    o: np.ndarray,
    silent: np.ndarray,
    act: np.ndarray,
    u: np.ndarray,
    p: Params,
    month_start: np.ndarray,
) -> dict[str, np.ndarray]:
    renter = act & w.is_renter
    had = renter & (w.arrears > 0)
    # Bills slip in order of priority: a household already behind on water falls behind on rent
    # more easily.
    a0, a1, a2, a3 = p.arrears_start
    started = renter & ~had & (u[4] < logistic(a0 + a1 * w.pressure + a2 * o + a3 * (w.water_phase > 0)))
    b0, b1, b2, b3 = p.arrears_miss
    miss = u[5] < logistic(b0 + b1 * w.strain + b2 * o + b3 * silent + p.reach_miss_logit * reached)
    change = np.where(w.arrangement, -(0.15 + 0.2 * u[6]), np.where(miss, 0.6 + 0.4 * u[6], -0.4 * u[6]))
    # Paying everything back takes the means and, mostly, the initiative.
    c0, c1 = p.arrears_payoff
    payoff = (u[7] < logistic(c0 + c1 * w.strain + p.reach_payoff_logit * reached)) & (
        u[15] >= p.payoff_silent * silent
    )
    arrears = np.where(had, np.where(payoff, 0.0, np.maximum(w.arrears + change, 0.0)), 0.0)
    cleared = had & (arrears <= 0)
    arrears = np.where(started, 0.3 + 0.7 * u[8], arrears)
    w.arrears = np.round(arrears, 4)
    w.arrears_age = np.where(started, 0, np.where(had & ~cleared, w.arrears_age + 1, -1)).astype(np.int16)
    w.arrears_start_day = np.where(started, day, np.where(cleared, -1, w.arrears_start_day))
    ongoing = w.arrears > 0
    # The reminder follows the first month the arrears pass half a rent, within that month.
    reminder = ongoing & (w.reminder_day < 0) & (w.arrears >= 0.5)
    rem_day = np.maximum(day, w.arrears_start_day + 3)
    w.reminder_day = np.where(
        reminder, np.minimum(rem_day, month_start[m + 1] - 1), np.where(ongoing, w.reminder_day, -1)
    ).astype(np.int32)
    # Only a household that reacts to the reminder makes an arrangement.
    arr_start = (
        ongoing
        & ~w.arrangement
        & (w.reminder_day >= 0)
        & (w.arrears >= 1.0)
        & (u[9] < (p.arrangement_p + p.arrangement_reach_p * reached) * (1 - silent))
    )
    # Arrangements break under strain, when the household stops reacting, and more often under a
    # running eviction procedure; the team's support halves the risk.
    break_p = (
        p.arrangement_break_p
        * (1 + p.arrangement_break_strain * np.maximum(w.strain, 0) + p.arrangement_break_silent * silent)
        * (1 - 0.5 * reached)
        * np.where(w.stage > 0, 2.0, 1.0)
    )
    arr_break = w.arrangement & (u[10] < break_p)
    w.arrangement = ongoing & ((w.arrangement & ~arr_break) | arr_start)
    # A broken arrangement is signalled again (Wgs: a new signal when the arrangement fails).
    w.signalled_at = np.where(arr_break & ongoing, 0.0, w.signalled_at)
    signal = (
        w.is_corp
        & ongoing
        & (w.reminder_day >= 0)
        & (w.reminder_day < first)
        & (w.arrears >= p.signal_months)
        & ((w.signalled_at <= 0) | (w.arrears >= w.signalled_at + p.signal_growth_months))
    )
    w.signalled_at = np.where(signal, w.arrears, np.where(ongoing, w.signalled_at, 0.0))
    return {"started": started, "cleared": cleared, "arrangement": arr_start, "signal": signal}


def _procedure(
    w: World,
    m: int,
    first: int,
    day: np.ndarray,
    reached: np.ndarray,
    o: np.ndarray,
    silent: np.ndarray,
    act: np.ndarray,
    u: np.ndarray,
    p: Params,
    month_start: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Stage transitions. Returns (phase, day, reason, pays, arranges): `pays` and `arranges` mark
    households that settled a rent case this month by paying everything or by an arrangement."""
    corp = act & w.is_corp
    by_arrears = w.reason == 0
    stage, age = w.stage, w.stage_age
    out = np.zeros(len(stage), dtype=np.int8)
    # This month the household reacts to the court or the bailiff (u[16]) ...
    responds = u[16] >= silent
    # ... and, if it does, can settle: pay everything (low strain) or agree an arrangement.
    s0, s1 = p.settle
    can_settle = u[17] < logistic(s0 + s1 * w.strain + p.settle_reach_logit * reached)
    settles = responds & can_settle
    # The bailiff at the door (aanzegging, planned date) wakes up some non-responders too.
    settles_at_door = (u[29] >= p.door_silent * silent) & can_settle
    pays_all = settles & (u[18] < logistic(-p.settle_pay_strain * w.strain))
    kept = (w.arrears <= p.paid_months) | w.arrangement  # the tenant keeps to the deal or is paid up
    rent_case = corp & (stage > 0) & by_arrears
    other = corp & (stage > 0) & ~by_arrears
    ontregeld = o > 0.3

    # Executions and last-minute withdrawals on the planned day (set in an earlier month).
    due = corp & (stage == GEPLAND) & (w.planned_day < month_start[m + 1])
    averted = due & by_arrears & (kept | settles_at_door) & (u[19] < p.gepland_averted_p)
    out[due] = np.where(averted[due], INGETROKKEN, UITGEVOERD)
    ready = corp & (stage > 0) & (stage < GEPLAND) & ~due
    a, b = u[20], u[21]

    # dagvaarding -> vonnis (the court date: next month for a rent case, which the tenant rarely
    # defends; a month later for other grounds) or ingetrokken
    at_dag = ready & (stage == DAGVAARDING) & ((rent_case & (age >= 0)) | (other & (age >= 1)))
    wd_rent = rent_case & ((kept & (a < p.dag_kept_withdraw_p)) | (~kept & settles))
    wd_other = other & (
        a
        < np.where(w.reason == 1, p.dag_overlast_withdraw_p * (~ontregeld | reached), p.dag_other_withdraw_p)
    )
    withdraw_dag = at_dag & (wd_rent | wd_other)
    vonnis_p = np.where(
        rent_case, np.where(responds, p.dag_vonnis_p[0], p.dag_vonnis_p[1]), p.dag_vonnis_other_p
    )
    out[at_dag & ~withdraw_dag & (b < vonnis_p)] = VONNIS
    out[withdraw_dag] = INGETROKKEN

    # vonnis -> aanzegging or ingetrokken; a conditional judgment kept is never executed
    at_von = ready & (stage == VONNIS) & (age >= 0)
    lapse = age >= p.vonnis_lapse_months
    wd_rent = rent_case & ((kept & (a < p.von_kept_withdraw_p)) | (~kept & settles & (a < p.von_settle_p)))
    wd_other = other & (
        a
        < np.where(w.reason == 1, p.von_overlast_withdraw_p * (~ontregeld | reached), p.von_other_withdraw_p)
    )
    withdraw_von = at_von & (lapse | wd_rent | wd_other)
    slow = np.where(reached, p.reach_escalation_factor, 1.0)
    aan_p = np.where(
        rent_case,
        ~kept * np.where(responds, p.von_aanzegging_p[0], p.von_aanzegging_p[1]),
        np.where(w.reason == 1, p.von_aanzegging_other_p * ontregeld, p.von_aanzegging_other_p),
    )
    out[at_von & ~withdraw_von & (b < aan_p * slow)] = AANZEGGING
    out[withdraw_von] = INGETROKKEN

    # aanzegging -> ontruiming_gepland, unless the tenant pays or settles at the last moment
    at_aan = ready & (stage == AANZEGGING) & (age >= 0)
    withdraw_aan = at_aan & rent_case & (kept | settles_at_door) & (a < p.aanzegging_averted_p)
    out[at_aan & ~withdraw_aan & (b < p.aanzegging_to_gepland_p)] = GEPLAND
    out[withdraw_aan] = INGETROKKEN
    settle_now = (withdraw_dag | withdraw_von | withdraw_aan | averted) & rent_case & ~kept & ~lapse
    pays = settle_now & pays_all
    arranges = settle_now & ~pays_all

    # New procedures; the lags make aanzegging unreachable within 6 months of a calm state.
    idle = corp & (stage == 0)
    start_p = (p.proc_start_p[0] + p.proc_start_p[1] * silent) * np.where(reached, p.proc_start_reach, 1.0)
    start_arrears = (
        idle
        & (w.arrears >= p.proc_arrears_months)
        & (w.arrears_age >= p.proc_arrears_age)
        & ~w.arrangement
        & (u[22] < start_p)
    )
    n_overlast_months = POPCOUNT[w.overlast_months & 0xFFF]
    start_overlast = (
        idle
        & ~start_arrears
        & (n_overlast_months >= p.overlast_dossier_months)
        & ontregeld
        & (u[22] < p.proc_start_overlast_p)
    )
    start_fraud = idle & ~start_arrears & ~start_overlast & (w.fraud > 0) & (u[22] < p.proc_start_fraud_p)
    starting = start_arrears | start_overlast | start_fraud
    out[starting] = DAGVAARDING
    reason = np.where(start_arrears, 0, np.where(start_overlast, 1, w.fraud + 1))
    w.reason = np.where(starting, reason, w.reason).astype(np.int16)

    moved_on = out > 0
    proc_day = np.where(out == UITGEVOERD, w.planned_day, day)
    # A last-minute withdrawal lands a few days before the planned date.
    proc_day = np.where(
        due & (out == INGETROKKEN),
        np.maximum(w.planned_day - 1 - (u[23] * 7).astype(np.int32), first),
        proc_day,
    ).astype(np.int32)
    new_stage = np.where((out == UITGEVOERD) | (out == INGETROKKEN), 0, out)
    w.stage = np.where(moved_on, new_stage, stage).astype(np.int16)
    w.stage_age = np.where(moved_on, 0, age + 1).astype(np.int16)
    # ontruiming_gepland: the planned date falls in the next month.
    nxt, after = month_start[m + 1], month_start[m + 2]
    planned = nxt + (u[24] * (after - nxt)).astype(np.int32)
    w.planned_day = np.where(out == GEPLAND, planned, np.where(w.stage == 0, -1, w.planned_day)).astype(
        np.int32
    )
    return out, proc_day, w.reason.astype(np.int8).copy(), pays, arranges


def _water(
    w: World,
    m: int,
    day: np.ndarray,
    reached: np.ndarray,
    o: np.ndarray,
    silent: np.ndarray,
    act: np.ndarray,
    u: np.ndarray,
    p: Params,
    month_start: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    phase, age = w.water_phase, w.water_age
    out = np.zeros(len(phase), dtype=np.int8)
    # A reminder is paid by whoever reads it and has the money.
    paid_p = p.water_paid_p + 0.2 * reached - 0.1 * np.maximum(w.strain, 0) - p.water_paid_silent * silent
    paid = u[25] < np.clip(paid_p, 0.02, 0.95)
    ready = act & (age >= 1)
    cleared = np.zeros(len(phase), dtype=bool)
    # herinnering -> paid or aankondiging
    h = ready & (phase == 1)
    cleared |= h & paid
    out[h & ~paid & (u[26] < p.water_announce_p)] = 2
    a = ready & (phase == 2)
    cleared |= a & paid
    out[a & ~paid & (u[26] < p.water_plan_p)] = 3
    g = act & (phase == 3) & (w.water_planned_day < month_start[m + 1])
    cut = g & (u[26] < p.water_cut_p * np.where(reached, 0.5, 1.0))
    out[cut] = 4
    cleared |= g & ~cut
    r = ready & (phase == 4) & (u[26] < p.water_reconnect_p)
    out[r] = 5
    w0, w1, w2 = p.water_start
    new = act & (phase == 0) & (u[27] < logistic(w0 + w1 * w.strain + w2 * o))
    out[new] = 1

    w.water_eur = np.where(
        new,
        np.round(45 + 115 * u[26], 2),
        np.where(out == 2, np.round(w.water_eur + 20 + 25 * u[26], 2), w.water_eur),
    )
    next_phase = np.where(out == 5, 0, np.where(out > 0, out, phase))
    next_phase = np.where(cleared, 0, next_phase)
    w.water_eur = np.where(next_phase == 0, 0.0, w.water_eur)
    w.water_age = np.where(out > 0, 0, age + 1).astype(np.int16)
    w.water_phase = next_phase.astype(np.int16)
    nxt, after = month_start[m + 1], month_start[m + 2]
    planned = nxt + (u[28] * (after - nxt)).astype(np.int32)
    water_day = np.where(out == 4, w.water_planned_day, day).astype(np.int32)
    w.water_planned_day = np.where(
        out == 3, planned, np.where(w.water_phase == 0, -1, w.water_planned_day)
    ).astype(np.int32)
    return out, water_day
