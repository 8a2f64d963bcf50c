"""int_signal__linked is maintained incrementally; it must always equal a rebuild from scratch.

And known_signal (which takes single-version rows as they are and picks the latest of the rest with
arg_max) must equal the plain definition: per delivered row, the latest version known on the date.
"""

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from signals.features import link_signals
from tests.signals.small_warehouse import ADDRESSES, START, deliver, delivered_rows, small_warehouse

# The definition known_signal implements, written the obvious way: rank every candidate version.
KNOWN_BY_DEFINITION = """
select feed, delivery_id, line_no
from int_signal__linked
where known_date <= $as_of and event_date <= $as_of
qualify row_number() over (
    partition by feed, supplier_code, source_ref order by known_at desc, delivery_id desc, line_no desc
) = 1
"""


def _linked(con) -> list[tuple]:
    return sorted(
        con.execute("select * exclude (is_corrected, version_hash) from int_signal__linked").fetchall(),
        key=repr,
    )


def _rebuilt(con) -> list[tuple]:
    con.execute("delete from int_signal__linked_state")  # what a changed linking SQL does
    link_signals(con)
    return _linked(con)


operation = st.one_of(
    st.tuples(
        st.just("deliver"),
        delivered_rows(max_size=5),
    ),
    st.tuples(st.just("withdraw"), st.integers(0, 10)),  # a delivery's rows leave staging
    st.tuples(st.just("purge_line"), st.integers(0, 10)),  # one row leaves staging
    st.tuples(st.just("redistrict"), st.integers(0, len(ADDRESSES) - 1)),  # another wijkteam
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(operation, min_size=1, max_size=8))
def test_the_incrementally_linked_table_equals_a_rebuild_and_known_signal_its_definition(operations):
    con = small_warehouse()
    deliveries: list[str] = []
    for step, (kind, arg) in enumerate(operations):
        if kind == "deliver":
            delivery = f"d-{step * 3 + 1:02d}"
            deliver(con, delivery, arg)
            deliveries.append(delivery)
        elif kind == "withdraw" and deliveries:
            gone = deliveries.pop(arg % len(deliveries))
            for feed in ("huurachterstand", "overlast"):
                con.execute(f"delete from stg_{feed} where delivery_id = ?", [gone])  # noqa: S608
        elif kind == "purge_line" and deliveries:
            con.execute(
                "delete from stg_huurachterstand where delivery_id = ? and line_no = 2",
                [deliveries[arg % len(deliveries)]],
            )
        elif kind == "redistrict":
            con.execute(
                "update ref_address set wijkteam = wijkteam || 'x' where address_key = ?", [ADDRESSES[arg]]
            )
        link_signals(con)
        incremental = _linked(con)
        assert incremental == _rebuilt(con)
        for day in (0, 20, 40, 70):
            as_of = START + timedelta(days=day)
            got = con.execute("select feed, delivery_id, line_no from known_signal(?)", [as_of]).fetchall()
            expected = con.execute(KNOWN_BY_DEFINITION.replace("$as_of", "?"), [as_of, as_of]).fetchall()
            assert sorted(got) == sorted(expected)
