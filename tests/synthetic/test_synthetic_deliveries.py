"""Deliveries in inbox/: contract columns, encodings, formats, received-at times, injected mess."""

import io
import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl

from synthetic.feeds import FEED_COLUMNS
from synthetic.population import passes_elfproef

POSTCODE = re.compile(r"^[1-9][0-9]{3} ?[FIOQUYfioquy]{2}$")


def _files(root: Path) -> list[Path]:
    return sorted((root / "inbox").glob("*/*/*"))


def _read(path: Path) -> pl.DataFrame:
    """Every delivered cell as text, headers normalised like the intake does (case, spaces)."""
    supplier = path.parts[-3]
    if path.suffix == ".xlsx":
        frame = pl.read_excel(path, infer_schema_length=0)
    elif path.suffix == ".json":
        records = json.loads(path.read_text(encoding="utf-8"))
        frame = pl.DataFrame(records, infer_schema_length=None).cast(pl.String)
    else:
        raw = path.read_bytes()
        if supplier == "zaanoever":
            text, sep = raw.decode("cp1252"), ";"
        else:
            text, sep = raw.decode("utf-8-sig"), ","
        frame = pl.read_csv(io.StringIO(text), separator=sep, infer_schema=False)
    return frame.rename({c: c.strip().lower() for c in frame.columns})


def test_every_file_has_exactly_the_contract_columns(small_region):
    root, result = small_region
    files = _files(root)
    assert len(files) == result.n_deliveries > 20
    for path in files:
        columns = [c for c in _read(path).columns if c != "opmerking"]
        assert columns == list(FEED_COLUMNS[path.parent.name]), path
        if path.parts[-3] != "zaanoever":
            assert "opmerking" not in _read(path).columns


def test_encodings_and_formats_per_supplier(default_region):
    root, _ = default_region
    seen_headers = set()
    for path in _files(root):
        supplier, raw = path.parts[-3], path.read_bytes()
        if supplier == "zaanoever":
            text = raw.decode("cp1252")
            assert text.splitlines()[0].count(";") >= 17
            assert "\r\n" in text
            seen_headers.add(text.splitlines()[0])
        elif supplier == "wormerhof":
            assert raw.startswith(b"\xef\xbb\xbf")
            raw.decode("utf-8")
        elif supplier == "dwnk":
            assert not raw.startswith(b"\xef\xbb\xbf")
            raw.decode("utf-8")
        elif supplier == "ggd_zw":
            records = json.loads(raw)
            assert isinstance(records, list) and all(isinstance(r, dict) for r in records)
        else:
            assert path.suffix == ".xlsx"
    # The Zaanoever export varies its header spelling, and some of its files carry remarks.
    assert len(seen_headers) > 3
    assert any("opmerking" in h.lower() for h in seen_headers)
    # Windows-1252 really is used: some names need a byte that is invalid UTF-8.
    zaanoever = [p.read_bytes() for p in _files(root) if p.parts[-3] == "zaanoever"]
    assert any(not _is_utf8(b) for b in zaanoever)


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def test_xlsx_has_real_date_and_number_cells(small_region):
    root, _ = small_region
    path = next(p for p in _files(root) if p.suffix == ".xlsx" and "huurachterstand" in p.name)
    frame = pl.read_excel(path)
    assert frame.schema["signaaldatum"] == pl.Date
    assert frame.schema["maandhuur_eur"] == pl.Float64


def _received(root: Path) -> dict[Path, datetime]:
    """{delivered file: its received-at moment} from the generated inbox's manifest."""
    manifest = pl.read_csv(root / "inbox" / "manifest.csv", infer_schema=False)
    return {
        root / "inbox" / path: datetime.fromisoformat(moment)
        for path, moment in zip(manifest["path"], manifest["received_at"], strict=True)
    }


def test_the_manifest_dates_every_file_on_its_delivery_morning_in_amsterdam(small_region):
    root, result = small_region
    amsterdam = ZoneInfo("Europe/Amsterdam")
    received = _received(root)
    assert set(received) == set(_files(root))
    assert len(received) == result.n_deliveries
    for path, moment in received.items():
        local = moment.astimezone(amsterdam)
        assert moment.utcoffset() == timedelta(0)
        if path.stem.endswith("_2"):
            assert local.isoformat()[:10] >= path.name[:10]
        else:
            assert local.date().isoformat() == path.name[:10], path
            assert 6 <= local.hour < 9


def test_duplicate_deliveries_are_identical_and_arrive_later(default_region):
    root, _ = default_region
    received = _received(root)
    copies = [p for p in _files(root) if p.stem.endswith("_2")]
    assert copies
    for copy in copies:
        original = copy.with_name(copy.name.replace("_2.", "."))
        assert copy.read_bytes() == original.read_bytes()
        assert received[copy] > received[original]


def test_last_delivery_is_not_after_end_date(small_region):
    root, result = small_region
    assert max(p.name[:10] for p in _files(root)) <= result.end_date.isoformat()


def test_injected_bad_rows_are_really_bad(default_region):
    root, _ = default_region
    injected = pl.read_csv(root / "ground_truth" / "injected.csv", infer_schema=False)
    reference = pl.read_csv(root / "reference" / "adressen.csv", infer_schema=False)
    addresses = set(zip(reference["postcode"], reference["huisnummer"], strict=True))
    kinds = set(injected["kind"])
    assert {
        "invalid_postcode",
        "bsn_elfproef",
        "unknown_address",
        "correction",
        "duplicate_delivery",
        "missing_required",
        "future_date",
    } <= kinds
    cache: dict[str, pl.DataFrame] = {}
    checked = 0
    for row in injected.filter(pl.col("line").is_not_null()).iter_rows(named=True):
        frame = cache.setdefault(row["file"], _read(root / row["file"]))
        cell = frame.row(int(row["line"]) - 2, named=True)
        assert cell["bron_referentie"] == row["bron_referentie"]
        value = cell.get(row["column"]) if row["column"] else None
        if row["kind"] == "invalid_postcode":
            assert not POSTCODE.match(value)
        elif row["kind"] == "bsn_elfproef":
            assert not passes_elfproef(np.array([int(value)])).any()
        elif row["kind"] == "unknown_address":
            assert (cell["postcode"].replace(" ", "").upper(), value) not in addresses
        elif row["kind"] == "missing_required":
            assert value in (None, "")
        elif row["kind"] == "non_integer_huisnummer":
            assert not re.fullmatch(r"[0-9]+", value)
        else:
            continue
        checked += 1
    assert checked > 100


def test_corrections_repeat_the_bron_referentie_with_another_value(default_region):
    root, _ = default_region
    injected = pl.read_csv(root / "ground_truth" / "injected.csv", infer_schema=False)
    corrections = injected.filter(pl.col("kind") == "correction").head(30)
    assert corrections.height == 30
    for row in corrections.iter_rows(named=True):
        new = _read(root / row["file"]).row(int(row["line"]) - 2, named=True)
        old = _read(root / row["related_file"]).row(int(row["related_line"]) - 2, named=True)
        assert new["bron_referentie"] == old["bron_referentie"] == row["bron_referentie"]
        assert row["file"] > row["related_file"]
        assert new != old
