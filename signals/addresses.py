"""Address normalisation and the reference table (address → gemeente / wijk / buurt / wijkteam)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl


def suffix_expr(suffix: pl.Expr) -> pl.Expr:
    """'-a', ' A ', 'a' → 'A'; 'h.s.' → 'HS'; empty → null."""
    cleaned = suffix.str.to_uppercase().str.replace_all(r"[\s\-\.]", "")
    return pl.when(cleaned == "").then(None).otherwise(cleaned)


def address_key_expr(postcode: pl.Expr, house_number: pl.Expr, suffix: pl.Expr) -> pl.Expr:
    """The one key an address has everywhere: `1501FI-12` or `1501FI-12-A`."""
    base = pl.concat_str(
        [postcode.str.to_uppercase().str.replace_all(r"\s", ""), house_number.cast(pl.String)],
        separator="-",
    )
    norm = suffix_expr(suffix)
    return pl.when(norm.is_null()).then(base).otherwise(pl.concat_str([base, norm], separator="-"))


def load_reference(con: duckdb.DuckDBPyConnection, reference_dir: Path) -> int:
    """Replace ref_address and ref_buurt with the files in `reference_dir`; returns addresses."""
    addresses = pl.read_csv(reference_dir / "adressen.csv", infer_schema=False)
    addresses = addresses.select(
        address_key_expr(pl.col("postcode"), pl.col("huisnummer"), pl.col("huisnummer_toevoeging")).alias(
            "address_key"
        ),
        pl.col("postcode").str.to_uppercase().str.replace_all(r"\s", "").alias("postcode"),
        pl.col("huisnummer").cast(pl.Int32).alias("house_number"),
        suffix_expr(pl.col("huisnummer_toevoeging")).alias("house_number_suffix"),
        pl.col("straat").alias("street"),
        pl.col("woonplaats"),
        pl.col("gemeente"),
        pl.col("wijk"),
        pl.col("buurt"),
        pl.col("wijkteam"),
    ).unique(subset="address_key", keep="first", maintain_order=True)
    buurten = pl.read_csv(reference_dir / "buurten.csv", infer_schema=False).select(
        "gemeente",
        "wijk",
        "buurt",
        "wijkteam",
        pl.col("inwoners").cast(pl.Int32).alias("inhabitants"),
        pl.col("huishoudens").cast(pl.Int32).alias("households"),
        pl.col("corporatiewoningen").cast(pl.Int32).alias("corporation_homes"),
    )
    con.register("_addresses", addresses)
    con.register("_buurten", buurten)
    columns = ", ".join(addresses.columns)  # our own column names, the table's
    try:
        # Only the rows that differ are deleted and inserted: deleting every row of the primary-key
        # index costs ~80 µs a row in DuckDB 2.0 (6 s for a region's 80,000 addresses, every night,
        # for a file that rarely changes; bench/, BENCHMARKS.md). The table ends equal to the file.
        con.execute(
            f"delete from ref_address where address_key in (select address_key from "  # noqa: S608
            f"(select {columns} from ref_address except select {columns} from _addresses))"
        )
        con.execute(
            f"insert into ref_address by name select {columns} from _addresses "  # noqa: S608
            f"except select {columns} from ref_address"
        )
        con.execute("delete from ref_buurt")
        con.execute("insert into ref_buurt by name select * from _buurten")
    finally:
        con.unregister("_addresses")
        con.unregister("_buurten")
    return addresses.height
