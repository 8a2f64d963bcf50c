"""Publishing a training: the challenger (always), the live scorecard (or the prior), the decision,
the backtest's aggregates and chart, and the model card, in the workspace's `models/`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from evaluation.model_card import render_model_card
from evaluation.report import write_backtest
from evaluation.train import Training
from rules.scoring import LIVE_FILE

DECISION_FILE = "decision.json"


def publish(training: Training, models_dir: Path) -> tuple[Path, Path]:
    """Write the challenger (always, versioned), the live scorecard (or remove it: the prior is
    live), the decision and the model card; returns (decision file, model card)."""
    models_dir.mkdir(parents=True, exist_ok=True)
    challenger = training.challenger
    challenger.save(models_dir / f"scorecard-{challenger.version}.json")
    live_path = models_dir / LIVE_FILE
    if training.decision.promoted:
        challenger.save(live_path)
    else:
        live_path.unlink(missing_ok=True)
    decision = {
        "decided_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "live": training.live.version,
        "kind": training.live.kind,
        "challenger": challenger.version,
        "promoted": training.decision.promoted,
        "reason_nl": training.decision.reason_nl,
        "challenger_recall": training.decision.challenger_recall,
        "prior_recall": training.decision.prior_recall,
        "test_dates": [d.isoformat() for d in training.test_dates],
    }
    decision_path = models_dir / DECISION_FILE
    decision_path.write_text(json.dumps(decision, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    write_backtest(training.backtest, models_dir)
    text = render_model_card(training)
    (models_dir / f"model_card-{training.live.version}.md").write_text(text, encoding="utf-8")
    card_path = models_dir / "model_card.md"
    card_path.write_text(text, encoding="utf-8")
    return decision_path, card_path
