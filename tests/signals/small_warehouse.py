"""A warehouse with three addresses and the deliveries of two feeds, for the linking properties
(test_incremental_linking.py, test_feature_households.py)."""

from datetime import UTC, date, datetime, timedelta

import duckdb
from hypothesis import strategies as st

from warehouse.migrate import migrate

ADDRESSES = ["1501FI-12", "1501FI-14", "1501FI-16"]
START = date(2026, 1, 1)


def small_warehouse() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    migrate(con)
    for key in ADDRESSES:
        postcode, number = key.split("-")
        con.execute(
            "insert into ref_address values (?, ?, ?, null, 'Kade', 'Zaandam', 'Zaanstad', 'Oost', 'B1', 't1')",  # noqa: E501
            [key, postcode, int(number)],
        )
    return con


def deliver(con, delivery: str, rows: list[tuple[str, str, str | None, int, int]]) -> None:
    """rows: (feed, source_ref, person, address index, day of the event); known `delivery`'s day."""
    day = int(delivery.split("-")[1])
    known = START + timedelta(days=day)
    known_at = datetime(known.year, known.month, known.day, 7, tzinfo=UTC)
    for line_no, (feed, ref, person, address, event_day) in enumerate(rows, start=2):
        event = min(START + timedelta(days=event_day), known)
        values = [delivery, line_no, ref, known_at, known, ADDRESSES[address], person, event]
        if feed == "huurachterstand":
            con.execute(
                """insert into stg_huurachterstand values (?, ?, 'corp', ?, ?, ?, ?, ?, 'C', 600, 1200, 2,
                   ?, null, null, ?)""",
                [*values, event],
            )
        else:
            con.execute(
                "insert into stg_overlast values (?, ?, 'corp', ?, ?, ?, ?, ?, 'geluid', ?, 2, 'open', null)",
                values,
            )


def delivered_rows(max_size: int) -> st.SearchStrategy:
    """One delivery's rows for `deliver`: few refs (corrections), no person or one of two people
    (moves and shared addresses)."""
    return st.lists(
        st.tuples(
            st.sampled_from(["huurachterstand", "overlast"]),
            st.sampled_from(["r1", "r2", "r3", "r4", "r5", "r6"]),
            st.sampled_from([None, "p1", "p2"]),
            st.integers(0, len(ADDRESSES) - 1),
            st.integers(0, 60),
        ),
        min_size=1,
        max_size=max_size,
    )
