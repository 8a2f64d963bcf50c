"""Every number of the latent model in one place (see world.py for what each step does).

Tuned so that the default region (80,000 households, seed 20261123, 36 months) meets the four
calibration targets of PRODUCT.md; README.md lists the resulting table.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Params:
    """Every number of the latent model. Tuned so the default region meets the calibration targets
    (see README.md); strain is in standard-deviation-like units, hazards are per month."""

    strain_phi: float = 0.85
    strain_sigma: float = 0.30
    shock_p: float = 0.004
    shock_size: float = 1.5
    episode_base: float = 0.0015
    episode_trait: float = 0.04
    episode_strain: float = 0.002
    episode_months: float = 4.0
    # rent arrears: logits of start, missing again, paying everything
    arrears_start: tuple[float, float, float] = (-5.0, 1.0, 0.8)
    arrears_miss: tuple[float, float, float] = (-1.3, 0.8, 0.6)
    arrears_payoff: tuple[float, float, float] = (-1.7, -0.6, -0.5)
    reach_miss_logit: float = -0.8
    reach_payoff_logit: float = 0.8
    arrangement_p: float = 0.10
    arrangement_reach_p: float = 0.12
    arrangement_break_p: float = 0.07
    signal_months: float = 1.0
    signal_growth_months: float = 0.25
    # eviction procedure
    proc_start_arrears_p: float = 0.08
    proc_start_overlast_p: float = 0.01
    overlast_dossier_months: int = 5  # months with reports, of the last 12, before a dagvaarding
    proc_start_fraud_p: float = 0.012
    dagvaarding_to_vonnis_p: float = 0.6
    dagvaarding_withdraw_p: float = 0.5
    vonnis_to_aanzegging_p: float = 0.9
    vonnis_withdraw_p: float = 0.15
    vonnis_lapse_months: int = 9
    aanzegging_to_gepland_p: float = 0.7
    aanzegging_withdraw_p: float = 0.2
    execute_p: float = 0.8
    execute_paid_p: float = 0.6
    reach_escalation_factor: float = 0.5
    # water
    water_start: tuple[float, float, float] = (-5.8, 0.9, 0.6)
    water_paid_p: float = 0.6
    water_announce_p: float = 0.7
    water_plan_p: float = 0.35
    water_cut_p: float = 0.12
    water_reconnect_p: float = 0.7
    # nuisance and GGD
    overlast_base: float = 0.0025
    overlast_ontregeling: float = 0.12
    ggd_base: float = 0.0002
    ggd_ontregeling: float = 0.02
    # outreach
    contact_reached_p: float = 0.65
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
