"""What is new and what changed since the previous list (lists/sql/fct_list_entry.sql, rules/lanes.yaml
`changes`), checked against the warehouse of the portal's workspace: last week's list and tonight's,
both made by the real nightly run from the tiny region's deliveries."""

from __future__ import annotations

import duckdb
import pytest

from tests.conftest import TINY_AS_OF
from tests.portal.conftest import PREVIOUS_AS_OF


@pytest.fixture(scope="module")
def wh(portal_workspace):
    con = duckdb.connect(str(portal_workspace.warehouse), read_only=True)
    yield con
    con.close()


def test_tonights_list_is_compared_with_last_weeks_and_the_first_list_with_nothing(wh):
    compared = dict(
        wh.execute("select as_of_date, any_value(compared_with) from fct_list_entry group by 1").fetchall()
    )
    assert compared[TINY_AS_OF] == PREVIOUS_AS_OF
    assert compared[PREVIOUS_AS_OF] is None
    first = wh.execute(
        "select count(*) filter (where is_new or is_changed) from fct_list_entry where as_of_date = ?",
        [PREVIOUS_AS_OF],
    ).fetchall()[0][0]
    assert first == 0, "nothing is new or changed on a list without a previous one"


def test_new_means_not_on_the_previous_list(wh):
    rows = wh.execute(
        """
        select e.household_id, e.is_new, p.household_id is not null as was_listed, e.is_in_trajectory, e.lane
        from fct_list_entry as e
        left join fct_list_entry as p
            on p.as_of_date = ? and p.wijkteam = e.wijkteam and p.household_id = e.household_id
        where e.as_of_date = ?
        """,
        [PREVIOUS_AS_OF, TINY_AS_OF],
    ).fetchall()
    assert rows
    for household, is_new, was_listed, in_trajectory, lane in rows:
        expected = not was_listed and (not in_trajectory or lane == "acuut")
        assert is_new == expected, household


def test_a_new_signal_is_named_exactly_when_one_became_known_since_the_previous_list(wh):
    rows = wh.execute(
        """
        with known as (
            select distinct f.household_id
            from int_household__features as f
            inner join fct_list_entry as p
                on p.as_of_date = ? and p.household_id = f.household_id
            inner join int_signal__linked as s on s.address_key = f.address_key
            where f.as_of_date = ? and s.known_date > ? and s.known_date <= ? and s.event_date <= ?
        )
        select e.household_id, e.is_changed,
               len(list_filter(e.changes_nl, lambda c: c like 'Nieuw%signaal%')) > 0 as names_signal,
               k.household_id is not null as has_new_signal
        from fct_list_entry as e
        left join known as k using (household_id)
        inner join fct_list_entry as p on p.as_of_date = ? and p.household_id = e.household_id
        where e.as_of_date = ?
        """,
        [PREVIOUS_AS_OF, TINY_AS_OF, PREVIOUS_AS_OF, TINY_AS_OF, TINY_AS_OF, PREVIOUS_AS_OF, TINY_AS_OF],
    ).fetchall()
    named = [h for h, _, names, _ in rows if names]
    assert named, "the tiny region delivers something between the two lists"
    for household, is_changed, names_signal, has_new_signal in rows:
        if names_signal:
            assert is_changed and has_new_signal, household
