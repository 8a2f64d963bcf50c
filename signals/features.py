"""The household features rules may use: name → (type, Dutch/English description).

Grain of every feature: one row per household per as-of date (int_household__features), computed
from signals known on that date. Windows are parameters of the rule set
(rules/catalogue/ruleset.yaml, section `features`). A test checks this catalogue against the table.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

from warehouse.models import run_sql_file

SQL_DIR = Path(__file__).parent / "sql"

FEATURES: dict[str, tuple[str, str]] = {
    "nuisance_reports_short_window": ("number", "overlastmeldingen in het korte venster (aantal)"),
    "nuisance_reports_long_window": (
        "number",
        "overlastmeldingen in het terugkijkvenster (aantal)",
    ),
    "ggd_reports_long_window": (
        "number",
        "GGD-meldingen in het GGD-venster, niet langer dan hun bewaartermijn (aantal)",
    ),
    "ggd_crisis_date": (
        "date",
        "datum van de laatste GGD-melding met urgentie crisis (kort venster)",
    ),
    "distinct_sources": (
        "number",
        "aantal verschillende bronnen in het stapelingsvenster (stapeling)",
    ),
    "financial_signals_stacking_window": ("number", "financiële signalen in het stapelingsvenster"),
    "has_financial_signal": (
        "boolean",
        "financieel signaal (huur of water) in het financiële venster",
    ),
    "first_signal_date": ("date", "eerste signaal in het terugkijkvenster"),
    "last_signal_date": ("date", "laatste signaal in het terugkijkvenster"),
    "last_signal_feed": ("text", "de feed van het laatste signaal in het terugkijkvenster"),
    "arrears_eur": ("number", "huurachterstand in euro's (laatste signaal)"),
    "arrears_months": ("number", "huurachterstand in maanden huur (laatste signaal)"),
    "arrears_since_date": ("date", "datum waarop de huurachterstand begon"),
    "monthly_rent_eur": ("number", "maandhuur in euro's"),
    "has_payment_arrangement": ("boolean", "betalingsregeling met de verhuurder"),
    "arrears_signal_date": ("date", "datum van het laatste huurachterstandssignaal"),
    "arrears_change_eur": (
        "number",
        "verandering van de huurachterstand t.o.v. het vorige signaal (euro)",
    ),
    "last_arrears_months": (
        "number",
        "huurachterstand in maanden huur volgens het laatste signaal in het terugkijkvenster",
    ),
    "last_arrears_eur": (
        "number",
        "huurachterstand in euro's volgens het laatste signaal in het terugkijkvenster",
    ),
    "days_since_arrears_signal": (
        "number",
        "dagen sinds het laatste huurachterstandssignaal (terugkijkvenster)",
    ),
    "months_in_arrears": (
        "number",
        "maanden sinds de huurachterstand van het laatste signaal begon (maanden van 30,4 dagen)",
    ),
    "arrears_signals_long_window": ("number", "huurachterstandssignalen in het terugkijkvenster (aantal)"),
    "has_broken_arrangement": (
        "boolean",
        "een eerder signaal meldde een betalingsregeling, het laatste niet meer",
    ),
    "water_signals_long_window": (
        "number",
        "signalen van het drinkwaterbedrijf in het terugkijkvenster (aantal)",
    ),
    "eviction_stage": ("text", "laatste fase van de ontruimingsprocedure"),
    "eviction_reason": ("text", "reden van de ontruimingsprocedure (huurachterstand, overlast, hennep, …)"),
    "eviction_stage_date": ("date", "datum van die fase"),
    "planned_eviction_date": ("date", "geplande ontruimingsdatum"),
    "days_until_planned_eviction": ("number", "dagen tot de geplande ontruiming"),
    "days_in_eviction_stage": ("number", "dagen sinds de laatste fase van de ontruimingsprocedure"),
    "water_stage": ("text", "laatste fase bij het drinkwaterbedrijf"),
    "water_signal_date": ("date", "datum van het laatste watersignaal"),
    "planned_cutoff_date": ("date", "geplande afsluitdatum drinkwater"),
    "water_arrears_eur": ("number", "achterstand drinkwater in euro's"),
    "days_until_planned_cutoff": ("number", "dagen tot de geplande afsluiting"),
    "days_since_first_signal": ("number", "dagen sinds het eerste signaal"),
    "households_at_address": ("number", "aantal huishoudens met signalen op hetzelfde adres"),
    "has_moved": ("boolean", "dezelfde persoon had eerder signalen op een ander adres (verhuisd)"),
    "ddas_partner": ("text", "soort signaalpartner van het laatste DDAS-vroegsignaal"),
    "ddas_amount_eur": ("number", "bedrag van het laatste DDAS-vroegsignaal (euro)"),
    "ddas_signal_date": ("date", "signaaldatum van het laatste DDAS-vroegsignaal"),
    "financial_crisis_date": ("date", "laatste DDAS-vroegsignaal met crisissignaal (financieel venster)"),
    "last_contact_date": ("date", "laatste contactpoging van het wijkteam op dit adres"),
    "was_reached_recently": ("boolean", "het wijkteam heeft het huishouden in het trajectvenster bereikt"),
    "unreached_contact_attempts": (
        "number",
        "contactpogingen van het wijkteam in het trajectvenster zonder dat iemand werd bereikt (aantal)",
    ),
    "trajectory_result_date": ("date", "datum van het laatste resultaat dat een lopend traject betekent"),
    "has_active_trajectory": (
        "boolean",
        "het huishouden zit in een lopend traject (resultaat in het trajectvenster)",
    ),
}


def _linking_state(con: duckdb.DuckDBPyConnection) -> tuple[str, str]:
    """What int_signal__linked was built from: the linking SQL and the address register's teams."""
    sql = hashlib.sha256((SQL_DIR / "int_signal__linked.sql").read_bytes()).hexdigest()
    (register,) = con.execute(
        "select coalesce(sum(hash(address_key, gemeente, wijk, buurt, wijkteam)), 0)::varchar "
        "from ref_address"
    ).fetchall()[0]
    return sql, register


def link_signals(con: duckdb.DuckDBPyConnection) -> int:
    """Bring int_signal__linked up to date with staging; returns its row count.

    Incremental (int_signal__linked.sql): only deliveries whose staged rows changed are linked again.
    When the linking SQL or the address register's gemeente/wijk/buurt/wijkteam changed since the
    table was built, it is built again whole by the same statements.
    """
    state = _linking_state(con)
    con.execute("create table if not exists int_signal__linked_state (sql_sha256 varchar, register varchar)")
    if con.execute("select sql_sha256, register from int_signal__linked_state").fetchall() != [state]:
        con.execute("drop table if exists int_signal__linked")
        con.execute("drop table if exists int_signal__linked_delivery")
    run_sql_file(con, SQL_DIR / "int_signal__linked.sql")
    con.execute("delete from int_signal__linked_state")
    con.execute("insert into int_signal__linked_state values (?, ?)", list(state))
    return con.execute("select count(*) from int_signal__linked").fetchall()[0][0]


def build_features(con: duckdb.DuckDBPyConnection, as_of, parameters: dict) -> int:
    """(Re)build the as-of partition of int_household__features; returns its row count.

    `parameters`: the `features` section of the rule set (windows, trajectory results). Households
    come from the macro household_signal (int_signal__linked.sql): run link_signals first.
    """
    run_sql_file(con, SQL_DIR / "int_household__features.sql", {"as_of": as_of, **parameters})
    return con.execute(
        "select count(*) from int_household__features where as_of_date = ?", [as_of]
    ).fetchall()[0][0]
