"""Flow: the monthly champion/challenger — fit a scorecard on the installation's snapshots, backtest
it against the prior, make the better one live, write the decision and the model card.

Scheduled once a month after the night that recorded the month-end's snapshot and labels
(flows/deploy.py); `vroeg model train` does the same by hand. It reads the warehouse read-only and
writes only the workspace's models/ folder (each file replaced atomically), so the nightly run and
the portal are not disturbed.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger

from evaluation.publish import publish
from evaluation.train import NotEnoughHistory, train_and_decide
from warehouse.store import read_only
from warehouse.workspace import Workspace


@flow(name="monthly-model")
def train_model(workspace: str = "data/demo") -> dict:
    logger = get_run_logger()
    ws = Workspace(Path(workspace).resolve())
    with read_only(ws.warehouse) as con:
        (today,) = con.execute("select max(as_of_date) from meta_run where status <> 'failed'").fetchall()[0]
        try:
            training = train_and_decide(con, None, today)
        except NotEnoughHistory as short:
            logger.warning("%s", short)
            return {"promoted": False, "live": None, "reason": str(short)}
    publish(training, ws.models)
    logger.info("%s", training.decision.reason_nl)
    return {
        "promoted": training.decision.promoted,
        "live": training.live.version,
        "reason": training.decision.reason_nl,
    }
