"""The delivery report a supplier gets back (Dutch): summary plus every rejected cell.

Written per delivery as HTML and CSV next to the archive (`reports/`), shown by `vroeg ingest` and
the upload page. Values of person fields are already masked in quarantine.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl
from jinja2 import Environment, PackageLoader, select_autoescape

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
        # the supplier's safe id: a code as the region writes it ('ZO Wonen') may not be a file name
        return f"{s['received_date']}_{safe_id(s['supplier_code'])}_{s['feed']}_{s['delivery_id'][:12]}"


def delivery_report(con: duckdb.DuckDBPyConnection, delivery_id: str) -> DeliveryReport:
    summary = (
        con.sql("select * from raw_delivery where delivery_id = ?", params=[delivery_id]).pl().to_dicts()[0]
    )
    summary["received_at"] = summary["received_at"].astimezone(AMSTERDAM).strftime("%d-%m-%Y %H:%M")
    try:
        summary["supplier_name"] = suppliers().get(summary["supplier_code"]).name
    except KeyError:
        summary["supplier_name"] = summary["supplier_code"]
    findings = con.sql(FINDINGS_QUERY, params=[delivery_id]).pl()
    return DeliveryReport(summary, findings)


def write_report(report: DeliveryReport, reports_dir: Path) -> tuple[Path, Path]:
    """`<stem>.html` and `<stem>.csv` (semicolon, UTF-8 with BOM, opens in Dutch Excel)."""
    reports_dir.mkdir(parents=True, exist_ok=True)
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


def report_text(report: DeliveryReport, max_rows: int = 50) -> str:
    """The report as plain text for the terminal."""
    s = report.summary
    lines = [
        f"Levering {s['original_name']} van {s['supplier_name']} ({s['feed']}), ontvangen {s['received_at']}",
        f"Status: {s['status']}" + (f" — {s['rejection_reason']}" if s["rejection_reason"] else ""),
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
