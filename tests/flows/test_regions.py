"""Many regions on one work pool: three regions, two worker processes against a real Prefect
server, one region with a corrupt inbox — the other two get their lists, each with its own key."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
import yaml
from typer.testing import CliRunner

from tests.conftest import TINY_AS_OF, history_manifest

pytestmark = pytest.mark.flow

POOL = "vroeg-regios-test"
REPO = Path(__file__).resolve().parents[2]
FINAL = {"Completed", "Failed", "Crashed", "Cancelled"}


def _regions(tiny_region: Path, root: Path, pool: str = POOL, codes=("noord", "zuid", "kapot")) -> Path:
    """Regions as an installation keeps them: a workspace, a config folder and a key each. Region
    zuid calls its housing corporation by another name; region kapot has a corrupt inbox."""
    regions = []
    for code in codes:
        name = f"Regio {code.capitalize()}"
        workspace = root / "regios" / code
        for part in ("inbox", "reference", "registraties"):
            shutil.copytree(tiny_region / part, workspace / part)
        shutil.copytree(REPO / "config", root / "config" / code)
        if code == "zuid":
            suppliers = root / "config" / code / "suppliers.yaml"
            text = suppliers.read_text(encoding="utf-8")
            suppliers.write_text(
                text.replace("Woonstichting Zaanoever", "Woonstichting Zuideroever"), encoding="utf-8"
            )
        key = root / "sleutels" / f"{code}.key"
        key.parent.mkdir(exist_ok=True)
        key.write_text(f"sleutel-van-{code}-niet-voor-productie\n")
        key.chmod(0o600)
        regions.append(
            {
                "code": code,
                "name": name,
                "workspace": f"regios/{code}",
                "config": f"config/{code}",
                "key_file": f"sleutels/{code}.key",
                "gemeenten": ["Zaanstad", "Oostzaan", "Wormerland"],
            }
        )
    if "kapot" in codes:  # the corrupt inbox: a file where the folder should be
        inbox = root / "regios" / "kapot" / "inbox"
        shutil.rmtree(inbox)
        inbox.write_bytes(b"\x00\xffgeen map")
    path = root / "regions.yaml"
    config = {"version": "test", "work_pool": pool, "concurrency": 2, "regions": regions}
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def _wait_final(run_ids: list, timeout: float) -> dict:
    from prefect.client.orchestration import get_client

    deadline = time.monotonic() + timeout
    while True:
        with get_client(sync_client=True) as client:
            runs = {run_id: client.read_flow_run(run_id) for run_id in run_ids}
        if all(r.state_name in FINAL for r in runs.values()) or time.monotonic() > deadline:
            return runs
        time.sleep(2)


def test_three_regions_on_two_workers_one_failing_do_not_stop_each_other(
    prefect_server, tiny_region, tmp_path, monkeypatch
):
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment

    from cli.main import app
    from flows.regions import process_worker_command
    from signals.regions import load_regions

    path = _regions(tiny_region, tmp_path)
    env = {**os.environ, "PREFECT_API_URL": prefect_server}
    deployed = CliRunner().invoke(app, ["regions", "deploy", "--regions", str(path)], env=env)
    assert deployed.exit_code == 0, deployed.output
    config = load_regions(path)
    with get_client(sync_client=True) as client:
        pool = client.read_work_pool(POOL)
        deployment = client.read_deployment_by_name("nightly/regio-noord")
    assert pool.concurrency_limit == 2
    assert "regio:noord" in deployment.tags
    assert deployment.job_variables["env"]["VROEG_CONFIG_DIR"] == str(config.region("noord").config)

    runs = {
        region.code: run_deployment(
            f"nightly/{region.deployment_name}",
            parameters={
                "as_of": TINY_AS_OF.isoformat(),
                "history_manifest": history_manifest(region.workspace),
            },
            timeout=0,
        ).id
        for region in config.regions
    }
    # two workers, as on two machines; each runs one region at a time
    workers = [
        subprocess.Popen(
            process_worker_command(POOL, "--limit", "1", "--name", f"machine-{i}"),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for i in (1, 2)
    ]
    try:
        finished = _wait_final(list(runs.values()), timeout=900)
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
    states = {code: finished[run_id].state_name for code, run_id in runs.items()}
    assert states == {"noord": "Completed", "zuid": "Completed", "kapot": "Failed"} or (
        states["noord"] == states["zuid"] == "Completed" and states["kapot"] in {"Failed", "Crashed"}
    ), states

    pseudonyms = {}
    for code in ("noord", "zuid"):
        workspace = config.region(code).workspace
        assert len(list((workspace / "lists" / TINY_AS_OF.isoformat()).glob("*.csv"))) == 13
        con = duckdb.connect(str(workspace / "warehouse.duckdb"), read_only=True)
        try:
            pseudonyms[code] = {
                p
                for (p,) in con.execute(
                    "select distinct person_pseudonym from stg_huurachterstand"
                    " where person_pseudonym is not null"
                ).fetchall()
            }
        finally:
            con.close()
    # the same residents, pseudonymised with each region's own key: nothing links the two warehouses
    assert pseudonyms["noord"] and not pseudonyms["noord"] & pseudonyms["zuid"]

    status = CliRunner().invoke(app, ["regions", "status", "--regions", str(path)], env=env)
    assert status.exit_code == 0, status.output
    text = " ".join(status.output.split())
    assert "Regio Noord" in text and "Regio Kapot" in text and "gelukt" in text and "mislukt" in text

    # the regions' administrators' portal (started with the regions file) shows the same
    from portal import accounts, state
    from tests.portal.conftest import PASSWORD, login, make_client

    admin_workspace = tmp_path / "beheer"
    admin_workspace.mkdir()
    con = state.open_state(admin_workspace / "portal.sqlite")
    try:
        accounts.create_account(con, "beheerder-regios", "administrator", PASSWORD, by="test")
    finally:
        con.close()
    monkeypatch.setenv("VROEG_REGIONS", str(path))
    client = make_client(admin_workspace)
    login(client, "beheerder-regios")
    page = client.get("/beheer/regios")
    assert page.status_code == 200
    shown = " ".join(re.sub(r"<[^>]+>", " ", page.text).split())
    assert "Regio Noord" in shown and "Regio Zuid" in shown and "Regio Kapot" in shown
    assert shown.count("gelukt") >= 2 and "mislukt" in shown


def _pseudonyms(workspace: Path) -> set[str]:
    con = duckdb.connect(str(workspace / "warehouse.duckdb"), read_only=True)
    try:
        query = "select distinct person_pseudonym from stg_huurachterstand where person_pseudonym is not null"
        return {p for (p,) in con.execute(query).fetchall()}
    finally:
        con.close()


def test_one_long_lived_worker_runs_many_regions_each_with_its_own_config_and_key(
    prefect_server, tiny_region, tmp_path
):
    """`vroeg regions worker` runs the due nightlies of two regions in one process; each run sees
    only its own region: its key (pseudonyms differ) and its suppliers (the freshness warning names
    the corporation as that region's config names it, so no cached config leaked across)."""
    from prefect.deployments import run_deployment

    from cli.main import app
    from signals.regions import load_regions, region_status

    pool = "vroeg-regios-een-proces"
    path = _regions(tiny_region, tmp_path, pool=pool, codes=("noord", "zuid"))
    env = {**os.environ, "PREFECT_API_URL": prefect_server}
    assert CliRunner().invoke(app, ["regions", "deploy", "--regions", str(path)], env=env).exit_code == 0
    config = load_regions(path)
    for region in config.regions:
        parameters = {"as_of": TINY_AS_OF.isoformat(), "history_manifest": history_manifest(region.workspace)}
        run_deployment(f"nightly/{region.deployment_name}", parameters=parameters, timeout=0)
    vroeg = Path(sys.executable).with_name("vroeg")
    worker = subprocess.run(
        [str(vroeg), "regions", "worker", "--regions", str(path), "--run-once"],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert worker.returncode == 0, worker.stdout[-3000:] + worker.stderr[-3000:]
    output = " ".join(worker.stdout.split())
    assert "Regio Noord: Completed" in output and "Regio Zuid: Completed" in output, output
    assert "buiten de flow" in output

    noord, zuid = (config.region(code).workspace for code in ("noord", "zuid"))
    assert _pseudonyms(noord) and not _pseudonyms(noord) & _pseudonyms(zuid)
    warnings = {row["code"]: " ".join(row["warnings"]) for row in region_status(config)}
    assert "Zaanoever" in warnings["noord"] and "Zuideroever" not in warnings["noord"]
    assert "Zuideroever" in warnings["zuid"] and "Zaanoever" not in warnings["zuid"]
