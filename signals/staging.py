"""Contract columns → staging columns (rename and cast only), per feed."""

from __future__ import annotations

import polars as pl

# Contract name → staging name. Identity columns (delivery, line, supplier, address, person) are
# added by intake; every other contract column of the feed is listed here.
RENAMES: dict[str, dict[str, str]] = {
    "huurachterstand": {
        "contractnummer": "contract_id",
        "maandhuur_eur": "monthly_rent_eur",
        "achterstand_eur": "arrears_eur",
        "achterstand_maanden": "arrears_months",
        "achterstand_sinds": "arrears_since_date",
        "herinnering_verstuurd_op": "reminder_sent_date",
        "betalingsregeling": "has_payment_arrangement",
        "signaaldatum": "signal_date",
    },
    "ontruiming": {
        "contractnummer": "contract_id",
        "reden": "reason",
        "fase": "stage",
        "fase_datum": "stage_date",
        "geplande_datum": "planned_date",
        "achterstand_eur": "arrears_eur",
    },
    "waterafsluiting": {
        "klantnummer": "customer_id",
        "achterstand_eur": "arrears_eur",
        "fase": "stage",
        "fase_datum": "stage_date",
        "geplande_afsluitdatum": "planned_cutoff_date",
        "signaaldatum": "signal_date",
    },
    "overlast": {
        "categorie": "category",
        "meldingsdatum": "report_date",
        "ernst": "severity",
        "status": "status",
        "contractnummer": "contract_id",
    },
    "ddas": {
        "signaalpartner": "partner_type",
        "bedrag_eur": "amount_eur",
        "ontstaansdatum": "origin_date",
        "signaaldatum": "signal_date",
        "crisissignaal": "is_crisis",
        "warme_overdracht": "is_warm_handover",
        "status": "partner_status",
        "gemeentecode": "gemeentecode",
    },
    "ggd_melding": {
        "categorie": "category",
        "urgentie": "urgency",
        "meldingsdatum": "report_date",
        "bekend_bij_zorg": "known_to_care",
        "status": "status",
    },
}

STAGING_TABLES = {feed: f"stg_{feed}" for feed in RENAMES}
# Contract columns a derivation reads besides the renamed ones.
DERIVED_FROM: dict[str, tuple[str, ...]] = dict.fromkeys(RENAMES, ())


def derive(feed: str, typed: pl.DataFrame) -> pl.DataFrame:
    """Contract-defined derivations that belong to the row itself."""
    if feed == "huurachterstand":
        # CONTRACTS.md: achterstand_maanden is derived as achterstand_eur / maandhuur_eur when absent.
        return typed.with_columns(
            pl.coalesce(
                pl.col("achterstand_maanden"),
                (pl.col("achterstand_eur") / pl.col("maandhuur_eur")).round(2),
            ).alias("achterstand_maanden")
        )
    return typed


def to_staging(feed: str, typed: pl.DataFrame) -> pl.DataFrame:
    return derive(feed, typed).rename(RENAMES[feed])
