"""The feature build decides households itself (int_household__features.sql: who lives where once, for
all its steps); its households must be household_signal's, and the features drawn from who lives
where — households at the address, moved, number of sources — their plain definitions over it."""

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rules.schema import default_ruleset
from signals.features import build_features, link_signals
from tests.signals.small_warehouse import START, deliver, delivered_rows, small_warehouse

# Straight from household_signal: the households with a signal in the lookback and what the
# features say of them, each the obvious way (distinct counts, a self-join for moves).
BY_DEFINITION = """
with signal as (select * from household_signal($as_of)),
recent as (select * from signal where event_date > $as_of - to_days($lookback_days)),
stays as (
    select household_person, address_key, min(event_date) as first_date, max(event_date) as last_date
    from signal where household_person is not null group by all
)
select
    household_id,
    any_value(address_key) as address_key,
    (select count(distinct o.household_id) from recent as o where o.address_key = any_value(r.address_key))
        as households_at_address,
    exists (
        select 1 from stays as here, stays as other
        where here.household_person = any_value(r.household_person)
            and here.address_key = any_value(r.address_key)
            and other.household_person = here.household_person and other.address_key <> here.address_key
            and other.first_date < here.last_date
    ) as has_moved,
    count(distinct feed) filter (where event_date > $as_of - to_days($stacking_window_days))
        as distinct_sources
from recent as r
group by household_id
"""


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(delivered_rows(max_size=6), min_size=1, max_size=5))
def test_feature_households_are_household_signals_and_their_features_the_plain_definitions(deliveries):
    con = small_warehouse()
    for n, rows in enumerate(deliveries):
        deliver(con, f"d-{n * 7 + 1:02d}", rows)
    link_signals(con)
    parameters = default_ruleset().features.model_dump(mode="json")
    windows = {k: parameters[k] for k in ("lookback_days", "stacking_window_days")}
    for day in (10, 30, 45, 80):
        as_of = START + timedelta(days=day)
        build_features(con, as_of, parameters)
        got = con.execute(
            "select household_id, address_key, households_at_address, has_moved, distinct_sources "
            "from int_household__features where as_of_date = ?",
            [as_of],
        ).fetchall()
        expected = con.execute(BY_DEFINITION, {"as_of": as_of, **windows}).fetchall()
        assert sorted(got) == sorted(expected)
