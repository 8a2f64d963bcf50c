"""Every number of the latent model in one place (see world.py for what each step does and
README.md, "The latent model", for the reasoning).

The default ("zaanstreek") is tuned so that the default region (80,000 households, seed
20261123, 36 months) meets the four calibration targets of PRODUCT.md and about three in four
vonnissen are never executed; the realism figures (realism.py) are measured, not targeted.
Strain is in standard-deviation-like units; hazards and probabilities are per month unless said.
"""

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Params:
    """Every number of the latent model (defaults: the Zaanstreek world)."""

    # 1. strain: AR(1) around the household baseline, rare shocks (job loss, divorce, a benefit
    # stopped); pressure is the exponential average that stands for reserves being used up
    strain_phi: float = 0.85
    strain_sigma: float = 0.30
    shock_p: float = 0.004
    shock_size: float = 1.5
    pressure_keep: float = 0.6  # share of last month's pressure kept: reserves last ~2 months
    # 2. ontregeling episodes: hazard = base + trait * persistent ontregeling + strain * strain+
    episode_base: float = 0.0015
    episode_trait: float = 0.04
    episode_strain: float = 0.002
    episode_months: float = 4.0
    # 3. non-response, logit: intercept, avoidance (trait + episode), ontregeling, reached by the
    # team. The median corporation tenant ignores a letter ~3% of months, one in an avoidance
    # episode most months.
    non_response: tuple[float, float, float, float] = (-3.55, 1.0, 1.5, -1.0)
    avoid_spread: float = 0.5  # sd of the household's avoidance trait
    avoid_trait: float = 1.0  # ... plus this with persistent ontregeling
    avoid_strain: float = 0.4  # ... plus this per unit of structural strain
    # avoidance episodes ("head in the sand"): hazard = base + per month of rent arrears (up to
    # 3); the episode adds size * U(0.5, 1.5) to the avoidance logit and lasts ~4 months
    avoid_episode_p: tuple[float, float] = (0.005, 0.03)
    avoid_episode_size: float = 3.0
    avoid_episode_months: float = 4.0
    # 5. rent arrears, logits: start (pressure, ontregeling, running water arrears: bills slip
    # in order of priority), missing again (strain, ontregeling, non-response), paying everything
    # (strain; only when the household takes the initiative, see payoff_silent)
    arrears_start: tuple[float, float, float, float] = (-5.3, 1.0, 0.8, 2.5)
    arrears_miss: tuple[float, float, float, float] = (-1.5, 0.8, 0.6, 1.0)
    arrears_payoff: tuple[float, float] = (-1.7, -0.6)
    payoff_silent: float = 0.5  # a non-responding month halves the chance of paying off
    reach_miss_logit: float = -0.8
    reach_payoff_logit: float = 0.8
    # arrangements: only a responding household makes one; it breaks with strain and silence,
    # twice as often under a running procedure, half as often with the team's support
    arrangement_p: float = 0.15
    arrangement_reach_p: float = 0.12
    arrangement_break_p: float = 0.05
    arrangement_break_strain: float = 0.5
    arrangement_break_silent: float = 1.0
    signal_months: float = 1.0  # first corporation signal at one month's rent
    signal_growth_months: float = 0.5  # another each time arrears grew by half a rent
    # 6. eviction procedure. A rent case starts at >= 2.5 months of arrears at least 4 months old
    # without an arrangement; the corporation goes to court quickly when the tenant does not
    # respond, and waits when it does (or when the team is involved).
    proc_arrears_months: float = 2.5
    proc_arrears_age: int = 4  # world.may_escalate_soon relies on this minimum
    proc_start_p: tuple[float, float] = (0.02, 0.6)  # intercept + per unit of non-response
    proc_start_reach: float = 0.5
    proc_start_overlast_p: float = 0.01
    overlast_dossier_months: int = 5  # months with reports, of the last 12, before a dagvaarding
    proc_start_fraud_p: float = 0.012
    # settling: a responding household settles with probability logistic(settle[0] + settle[1] *
    # strain + settle_reach_logit * reached); it pays everything with logistic(-settle_pay_strain
    # * strain), otherwise it agrees an arrangement
    settle: tuple[float, float] = (0.8, -0.8)
    settle_reach_logit: float = 1.0
    settle_pay_strain: float = 1.5
    paid_months: float = 0.5  # arrears at most this (or an arrangement kept): the tenant complies
    # dagvaarding: withdrawn when the tenant complies; otherwise vonnis (responders get a
    # conditional one, non-responders a default judgment), else the case is adjourned
    dag_kept_withdraw_p: float = 0.8
    dag_overlast_withdraw_p: float = 0.4  # when the nuisance stopped or the team is involved
    dag_other_withdraw_p: float = 0.1  # hidden grounds (hennep, woonfraude, overig)
    dag_vonnis_p: tuple[float, float] = (0.45, 0.9)  # responding, not responding
    dag_vonnis_other_p: float = 0.6
    # vonnis: a judgment the tenant complies with is never executed; otherwise the bailiff's
    # aanzegging follows (slowly for responders, quickly for non-responders)
    von_kept_withdraw_p: float = 0.25
    von_settle_p: float = 0.5
    von_aanzegging_p: tuple[float, float] = (0.15, 0.6)  # responding, not responding
    von_aanzegging_other_p: float = 0.4  # nuisance (while ontregeld) and hidden grounds
    von_overlast_withdraw_p: float = 0.3  # when the nuisance stopped or the team is involved
    von_other_withdraw_p: float = 0.03
    vonnis_lapse_months: int = 9
    # aanzegging and the planned date: the bailiff at the door wakes up some non-responders
    aanzegging_averted_p: float = 0.6
    door_silent: float = 0.5  # at the door, non-response counts half
    aanzegging_to_gepland_p: float = 0.8
    gepland_averted_p: float = 0.6
    reach_escalation_factor: float = 0.5  # a reached household's vonnis moves on at half the rate
    # 4. water, logit of a new herinnering: intercept, strain, ontregeling. Steeper in strain than
    # rent arrears, so a household under rising strain usually shows a water row first.
    water_start: tuple[float, float, float] = (-6.2, 1.8, 0.6)
    water_paid_p: float = 0.75
    water_paid_silent: float = 0.4
    water_announce_p: float = 0.6
    water_plan_p: float = 0.35
    water_cut_p: float = 0.12
    water_reconnect_p: float = 0.7
    # 7. nuisance (Poisson in ontregeling squared) and GGD (Poisson in ontregeling)
    overlast_base: float = 0.0025
    overlast_ontregeling: float = 0.12
    ggd_base: float = 0.0002
    ggd_ontregeling: float = 0.02
    # 8. outreach: P(reached) = contact_reached_p * (1 - contact_silent_factor * non-response)
    contact_reached_p: float = 0.65
    contact_silent_factor: float = 0.6
    reached_months: int = 6
    # household baseline of strain: intercept, by tenure (koop, particulier, corporatie), by
    # household type (HOUSEHOLD_TYPES order), by age band of the head, individual spread
    strain_base: float = -0.55
    strain_tenure: tuple[float, ...] = (0.0, 0.35, 0.6)
    strain_type: tuple[float, ...] = (0.1, 0.0, 0.1, 0.35, 0.1)
    strain_age: tuple[float, ...] = (0.25, 0.1, 0.0, -0.2, -0.3)
    strain_spread: float = 0.5
    # persistent ontregeling: share of households, doubled for single people in corporation homes
    trait_share: float = 0.02
    # hidden grounds for a non-financial eviction (hennep, woonfraude, overig) among corp tenants
    fraud_share: tuple[float, float, float] = (0.0004, 0.0005, 0.0002)
    # reporting delays per supplier key: (share of rows that miss their weekly delivery, at most
    # this many weeks late); suppliers not listed: 6% one week late (deliveries.LATE_SHARE)
    reporting_delays: tuple[tuple[str, tuple[float, int]], ...] = ()


ZAANSTREEK = Params()

# A region that behaves differently (README.md, "Variants"), for checking that a ranking
# generalises; it meets the same four calibration targets.
ELDERS = replace(
    ZAANSTREEK,
    # corporations go to court by rule at the arrears threshold, whether the tenant responds or
    # not, and settle less at court: the stage and the amount say more, combinations less
    proc_start_p=(0.08, 0.1),
    settle=(0.2, -0.8),
    dag_vonnis_p=(0.6, 0.9),
    von_aanzegging_p=(0.1, 0.3),
    # avoidance is a steadier trait with fewer episodes
    avoid_spread=1.0,
    avoid_episode_p=(0.003, 0.015),
    # more evictions on grounds no feed announces (hennep, woonfraude) and for nuisance
    fraud_share=(0.0006, 0.0008, 0.0003),
    proc_start_overlast_p=0.02,
    # teams reach fewer households and change less when they do
    contact_reached_p=0.5,
    non_response=(-3.55, 1.0, 1.5, -0.5),
    reach_escalation_factor=0.7,
    # the water company signals later in the strain and rent arrears follow it less closely
    water_start=(-6.2, 1.5, 0.6),
    arrears_start=(-5.0, 1.0, 0.8, 1.5),
    # one corporation and the water company deliver many rows one to four weeks late
    reporting_delays=(("molenwonen", (0.30, 4)), ("dwnk", (0.15, 3))),
)

VARIANTS: dict[str, Params] = {"zaanstreek": ZAANSTREEK, "elders": ELDERS}
