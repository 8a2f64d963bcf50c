"""The delivery report a supplier gets back (Dutch): summary plus every rejected cell.

Written per delivery as HTML and CSV next to the archive (`reports/`), shown by `vroeg ingest` and
the upload page. Values of person fields are already masked in quarantine. An upload's immediate
report is written the same way at once (the nightly run rewrites it under the same name), with its
summary as JSON so the portal can show it again before the nightly run has taken the file in.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
from jinja2 import Environment, PackageLoader, select_autoescape

from signals.delivery_status import channel_words, outcome
from signals.intake import AMSTERDAM
from signals.registry import safe_id, suppliers

_ENV = Environment(loader=PackageLoader("signals", "templates"), autoescape=select_autoescape())

FINDINGS_QUERY = """
select line_no as regel, column_name as kolom, value as waarde, reason_nl as reden
from quarantine_finding
where delivery_id = ?
order by line_no nulls first, column_name
"""


@dataclass
class DeliveryReport:
    summary: dict
    findings: pl.DataFrame

    @property
    def file_stem(self) -> str:
        s = self.summary
        return report_stem(s["received_date"], s["supplier_code"], s["feed"], s["delivery_id"])


def report_stem(received_date: date | str, supplier_code: str, feed: str, delivery_id: str) -> str:
    """`<received date>_<supplier safe id>_<feed>_<sha256[:12]>`: the name of a delivery's report files."""
    # the supplier's safe id: a code as the region writes it ('ZO Wonen') may not be a file name
    return f"{received_date}_{safe_id(supplier_code)}_{feed}_{delivery_id[:12]}"


_FINDINGS_SCHEMA = {"regel": pl.Int32, "kolom": pl.Utf8, "waarde": pl.Utf8, "reden": pl.Utf8}
_SUMMARY_KEPT = (
    "delivery_id", "supplier_code", "supplier_name", "feed", "channel", "channel_words", "original_name",
    "received_at", "received_date", "status", "status_label", "status_tone", "rejection_reason",
    "rows_read", "rows_loaded", "rows_quarantined", "warnings",
)  # fmt: skip


def delivery_report(con: duckdb.DuckDBPyConnection, delivery_id: str) -> DeliveryReport:
    summary = (
        con.sql("select * from raw_delivery where delivery_id = ?", params=[delivery_id]).pl().to_dicts()[0]
    )
    summary["received_at"] = summary["received_at"].astimezone(AMSTERDAM).strftime("%d-%m-%Y %H:%M")
    try:
        summary["supplier_name"] = suppliers().get(summary["supplier_code"]).name
    except KeyError:
        summary["supplier_name"] = summary["supplier_code"]
    shown = outcome(summary["status"], summary["rows_quarantined"])
    summary["status_label"], summary["status_tone"] = shown.label, shown.tone
    summary["channel_words"] = channel_words(summary["channel"])
    findings = con.sql(FINDINGS_QUERY, params=[delivery_id]).pl()
    return DeliveryReport(summary, findings)


def write_report(report: DeliveryReport, reports_dir: Path, with_summary: bool = False) -> tuple[Path, Path]:
    """`<stem>.html` and `<stem>.csv` (semicolon, UTF-8 with BOM, opens in Dutch Excel); with
    `with_summary` also `<stem>.json` (read back by `read_report`)."""
    reports_dir.mkdir(parents=True, exist_ok=True)
    if with_summary:
        kept = {k: report.summary.get(k) for k in _SUMMARY_KEPT}
        data = {"summary": kept, "findings": report.findings.to_dicts()}
        (reports_dir / f"{report.file_stem}.json").write_text(
            json.dumps(data, ensure_ascii=False, default=str), encoding="utf-8"
        )
    html = reports_dir / f"{report.file_stem}.html"
    csv = reports_dir / f"{report.file_stem}.csv"
    html.write_text(
        _ENV.get_template("delivery_report.html").render(
            r=report.summary, findings=report.findings.to_dicts()
        ),
        encoding="utf-8",
    )
    csv.write_bytes(b"\xef\xbb\xbf" + report.findings.write_csv(separator=";").encode("utf-8"))
    return html, csv


def read_report(reports_dir: Path, stem: str) -> DeliveryReport | None:
    """The report written with its summary under `stem`; None when there is none (or no longer)."""
    path = reports_dir / f"{stem}.json"
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return DeliveryReport(data["summary"], pl.DataFrame(data["findings"], schema=_FINDINGS_SCHEMA))


def report_text(report: DeliveryReport, max_rows: int = 50) -> str:
    """The report as plain text for the terminal."""
    s = report.summary
    lines = [
        f"Levering {s['original_name']} van {s['supplier_name']} ({s['feed']}), ontvangen {s['received_at']}",
        f"Status: {s['status_label']}" + (f" — {s['rejection_reason']}" if s["rejection_reason"] else ""),
        f"Regels gelezen {s['rows_read']}, geaccepteerd {s['rows_loaded']}, "
        f"afgewezen {s['rows_quarantined']}",
        *[f"Waarschuwing: {w}" for w in s["warnings"] or []],
    ]
    for f in report.findings.head(max_rows).iter_rows(named=True):
        where = f"regel {f['regel']}" if f["regel"] is not None else "bestand"
        column = f", kolom {f['kolom']}" if f["kolom"] else ""
        value = f" (waarde: {f['waarde']})" if f["waarde"] is not None else ""
        lines.append(f"  {where}{column}{value}: {f['reden']}")
    if report.findings.height > max_rows:
        lines.append(f"  … en nog {report.findings.height - max_rows} bevindingen (zie het CSV-rapport)")
    return "\n".join(lines)
