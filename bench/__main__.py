"""The benchmark suite: one command per scale.

    python -m bench run --scale tiny|region|province|country [--no-postgres] [--no-portal] ...

Builds (or reuses) the synthetic world of that scale (bench/world.py), then measures: intake,
the scan floor, feature build, rules, scoring, list build and export, indicators (bench/stages.py),
the feature build on PostgreSQL 15 (bench/postgres.py), the whole nightly flow with Prefect
(region and tiny scale; bench/nightly.py) and the portal's list and household pages under 20
concurrent clients (bench/portal.py). Writes bench/results/<scale>.json and the scale's section of
BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

from bench.report import evaluate_targets, update_benchmarks_md
from bench.world import (
    BENCH_KEY,
    CACHE,
    END_DATE,
    SCALES,
    build_world,
    template_dir,
    world_counts,
    world_path,
)

ROOT = Path(__file__).resolve().parents[1]
NIGHTLY_CORE = ("features", "rules", "scoring", "lists_build", "lists_export")
POSTGRES_SCALES = ("tiny", "region", "province", "country")  # country: cancelled at the timeout (a bound)
NIGHTLY_SCALES = ("tiny", "region")


def _log(message: str) -> None:
    print(f"[bench {datetime.now():%H:%M:%S}] {message}", flush=True)


def machine() -> dict:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem_kb = int(
        next(
            ln for ln in Path("/proc/meminfo").read_text().splitlines() if ln.startswith("MemTotal")
        ).split()[1]
    )
    return {
        "machine": platform.machine(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def versions() -> dict:
    found = {"python": platform.python_version()}
    for package in ("duckdb", "polars", "prefect", "psycopg"):
        try:
            found[package] = version(package)
        except Exception:
            found[package] = None
    try:
        from bench.postgres import server_version

        found["postgres"] = server_version()
    except Exception:
        found["postgres"] = None
    return found


def _child(cmd: list[str], env: dict[str, str]) -> str:
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}")
    return out.stdout


def run(args: argparse.Namespace) -> dict:
    scale = SCALES[args.scale]
    env = {**os.environ, "VROEG_PSEUDONYM_KEY": BENCH_KEY, "VROEG_CODE_VERSION": "bench"}
    os.environ.update({"VROEG_PSEUDONYM_KEY": BENCH_KEY, "VROEG_CODE_VERSION": "bench"})
    result: dict = {
        "scale": scale.name,
        "date": datetime.now(tz=UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "machine_shared": args.shared,
        "versions": versions(),
    }
    _log(f"scale {scale.name}: load average {result['machine']['load_average_at_start']}")

    started = time.perf_counter()
    cached = world_path(scale).exists()
    world = build_world(scale)
    result["world"] = {
        "replicas_of_template": scale.replicas,
        "template_households": scale.households,
        "months_of_history": scale.months,
        "cached": cached,
        "build_seconds": round(time.perf_counter() - started, 1),
        "file_mb": round(world.stat().st_size / 1e6),
        **world_counts(world),
    }
    _log(f"world: {result['world']['signal_rows']:,} signal rows, {result['world']['addresses']:,} addresses")

    work = Path(tempfile.mkdtemp(prefix=f"bench-{scale.name}-", dir=CACHE))
    try:
        if not args.no_intake:
            rows = args.intake_rows or (20_000 if scale.name == "tiny" else 1_000_000)
            out = _child([sys.executable, "-m", "bench.intake", "--rows", str(rows), "--out", str(work)], env)
            del out
            result["intake"] = json.loads((work / "intake.json").read_text())
            _log(f"intake: {result['intake']['rows_per_second']:,} rows/s")

        db = work / "warehouse.duckdb"
        started = time.perf_counter()
        shutil.copyfile(world, db)
        result["warehouse_copy_seconds"] = round(time.perf_counter() - started, 2)

        out = _child([sys.executable, "-m", "bench.stages", str(db), str(work), END_DATE.isoformat()], env)
        measured = json.loads(next(ln for ln in out.splitlines() if ln.startswith("BENCH-RESULT "))[13:])
        result["stages"] = measured["stages"]
        result["households_with_features"] = measured["households_with_features"]
        core = [result["stages"][s] for s in NIGHTLY_CORE]
        result["nightly_core"] = {
            "stages": list(NIGHTLY_CORE),
            "seconds": round(sum(s["seconds"] for s in core), 2),
            "peak_rss_mb": max(s["peak_rss_mb"] for s in core),
        }
        in_warehouse = [result["stages"][s] for s in NIGHTLY_CORE if s != "lists_export"]
        result["nightly_core_without_list_files"] = {
            "seconds": round(sum(s["seconds"] for s in in_warehouse), 2),
            "peak_rss_mb": max(s["peak_rss_mb"] for s in in_warehouse),
        }
        result["ratios"] = {
            "features_over_scan_floor": round(
                result["stages"]["features"]["seconds"] / result["stages"]["scan_floor"]["seconds"], 2
            )
        }
        _log(f"stages: nightly core {result['nightly_core']}")

        if not args.no_postgres and scale.name in POSTGRES_SCALES:
            from bench import postgres
            from bench.stages import TABLES_READ_BY_FEATURES
            from rules.schema import default_ruleset

            pg = postgres.measure(
                db,
                END_DATE,
                default_ruleset().features.model_dump(mode="json"),
                TABLES_READ_BY_FEATURES,
                args.postgres_timeout,
            )
            result["postgres"] = pg
            # A timed-out run gives a lower bound ("at least"), recorded as such.
            pg_seconds = pg["features_seconds"] or pg["timed_out_after_seconds"]
            key = "postgres_over_duckdb_features" + ("" if pg["features_seconds"] else "_at_least")
            result["ratios"][key] = round(pg_seconds / result["stages"]["features"]["seconds"], 1)
            _log(f"postgres: {pg['features_seconds']} s, differences {pg['differences']}")

        if not args.no_nightly and scale.name in NIGHTLY_SCALES:
            from bench import nightly

            result["nightly_flow"] = nightly.measure(template_dir(scale), work)
            _log(f"nightly flow: {result['nightly_flow']['next_night']}")

        if not args.no_portal:
            from bench import portal
            from signals.registry import teams
            from warehouse.store import connect

            con = connect(db, read_only=True)
            try:
                # the largest list of a configured team (a coordinator account needs one)
                (team,) = con.execute(
                    "select wijkteam from fct_list_entry where list_contains(?, wijkteam) "
                    "group by 1 order by count(*) desc, 1 limit 1",
                    [[t.code for t in teams().teams]],
                ).fetchall()[0]
                households = [
                    h
                    for (h,) in con.execute(
                        "select household_id from fct_list_entry where wijkteam = ? order by rank", [team]
                    ).fetchall()
                ]
                years = [
                    y for (y,) in con.execute("select distinct year from agg_indicator order by 1").fetchall()
                ]
            finally:
                con.close()
            result["portal"] = portal.measure(
                work, team, households, clients=args.portal_clients, seconds=args.portal_seconds, years=years
            )
            _log(f"portal: list {result['portal']['list_page']}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    result["targets"] = evaluate_targets(result)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("run", help="build the world of a scale and measure every stage")
    p.add_argument("--scale", choices=list(SCALES), default="region")
    p.add_argument("--no-postgres", action="store_true", help="skip the PostgreSQL peer")
    p.add_argument("--no-portal", action="store_true", help="skip the portal latency")
    p.add_argument("--no-nightly", action="store_true", help="skip the Prefect nightly flow")
    p.add_argument("--no-intake", action="store_true", help="skip the intake benchmark")
    p.add_argument(
        "--intake-rows", type=int, help="rows of the intake delivery (default 1,000,000; tiny 20,000)"
    )
    p.add_argument("--portal-clients", type=int, default=20)
    p.add_argument("--portal-seconds", type=float, default=20)
    p.add_argument("--postgres-timeout", type=int, default=1200, help="seconds before the peer is cancelled")
    p.add_argument("--shared", action="store_true", help="record that other work shared the machine")
    p.add_argument("--keep", action="store_true", help="keep the run's scratch folder under the cache")
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    p.add_argument("--no-markdown", action="store_true", help="do not update BENCHMARKS.md")
    args = parser.parse_args(argv)
    result = run(args)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{args.scale}.json").write_text(json.dumps(result, indent=2) + "\n")
    if not args.no_markdown:
        update_benchmarks_md(ROOT / "BENCHMARKS.md", args.out)
    print(json.dumps(result["targets"], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
