"""Reloading the address reference replaces the table by the file, changing only what differs."""

from pathlib import Path

import duckdb
import pytest

from signals.addresses import load_reference
from warehouse.store import write_session

HEADER = "postcode,huisnummer,huisnummer_toevoeging,straat,woonplaats,gemeente,wijk,buurt,wijkteam\n"
BUURTEN = (
    "gemeente,wijk,buurt,wijkteam,inwoners,huishoudens,corporatiewoningen\n"
    "Zaanstad,Oost,B1,zaanstad-centrum,10,5,2\n"
)


def _write(folder: Path, rows: list[str]) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "adressen.csv").write_text(HEADER + "".join(r + "\n" for r in rows))
    (folder / "buurten.csv").write_text(BUURTEN)
    return folder


def test_a_reload_ends_equal_to_the_new_file(tmp_path: Path):
    ref = tmp_path / "reference"
    with write_session(tmp_path / "w.duckdb") as con:
        _write(
            ref,
            [
                "1501FI,12,,Kade,Zaandam,Zaanstad,Oost,B1,zaanstad-centrum",
                "1501FI,14,A,Kade,Zaandam,Zaanstad,Oost,B1,zaanstad-centrum",
                "1501FI,16,,Kade,Zaandam,Zaanstad,Oost,B1,zaanstad-centrum",
            ],
        )
        assert load_reference(con, ref) == 3
        # 12 unchanged, 14-A gone, 16 moves to another team, 18 is new
        _write(
            ref,
            [
                "1501FI,12,,Kade,Zaandam,Zaanstad,Oost,B1,zaanstad-centrum",
                "1501FI,16,,Kade,Zaandam,Zaanstad,Oost,B1,zaanstad-poelenburg",
                "1501FI,18,,Kade,Zaandam,Zaanstad,Oost,B1,zaanstad-centrum",
            ],
        )
        assert load_reference(con, ref) == 3
        rows = con.execute("select address_key, wijkteam from ref_address order by 1").fetchall()
        assert rows == [
            ("1501FI-12", "zaanstad-centrum"),
            ("1501FI-16", "zaanstad-poelenburg"),
            ("1501FI-18", "zaanstad-centrum"),
        ]
        assert load_reference(con, ref) == 3  # the same file again changes nothing
        assert con.execute("select count(*) from ref_address").fetchall()[0][0] == 3
        with pytest.raises(duckdb.ConstraintException):  # still one row per address
            con.execute("insert into ref_address select * from ref_address limit 1")
