"""The model card (Dutch, with the Algoritmeregister fields), generated — never edited by hand."""

from __future__ import annotations

import polars as pl

from evaluation.report import LANE_COLUMNS, LEAD_COLUMNS, dutch_number, dutch_percent, markdown_table
from evaluation.train import AUDIT_GROUPS, Training
from rules.lanes import default_lanes
from rules.scorecard import format_risk, load_spec

AUDIT_HEADERS = {
    "group": "groep",
    "households": "huishoudmaanden",
    "listed_share": "aandeel boven de lijn",
    "escalations": "escalaties",
    "recall": "recall",
    "precision": "precisie",
    "listed_ratio": "verhouding aandeel",
    "recall_ratio": "verhouding recall",
    "precision_ratio": "verhouding precisie",
    "flagged": "gemarkeerd",
    "band": "klasse",
    "predicted": "voorspeld",
    "observed": "waargenomen",
}


def _plain_table(frame: pl.DataFrame, formats: dict[str, str] | None = None) -> str:
    formats = formats or {}
    lines = ["| " + " | ".join(AUDIT_HEADERS.get(c, c) for c in frame.columns) + " |"]
    lines.append("|" + "---|" * len(frame.columns))
    for row in frame.iter_rows():
        cells = []
        for column, value in zip(frame.columns, row, strict=True):
            if isinstance(value, bool):
                cells.append("ja" if value else "")
            elif isinstance(value, float):
                cells.append(dutch_number(value, int(formats.get(column, "3"))))
            else:
                cells.append("—" if value is None else str(value))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _points_page(training: Training) -> str:
    card = training.live
    why = bool(card.rationale)
    lines = [
        "| kenmerk | klasse | punten |" + (" waarom |" if why else ""),
        "|---|---|---|" + ("---|" if why else ""),
    ]
    for feature, points in card.points.items():
        reasons = card.rationale.get(feature, [""] * len(points))
        for label, pts, reason in zip(card.labels[feature], points, reasons, strict=True):
            lines.append(
                f"| {card.feature_labels[feature]} | {label} | {pts:+d} |" + (f" {reason} |" if why else "")
            )
    low = sum(min(p) for p in card.points.values())
    top = sum(max(p) for p in card.points.values())
    step = int(max(10, round((top - low) / 8, -1)))
    scores = list(range(low // step * step, top + step, step))
    risk = [format_risk(r) for r in card.risk(scores)]
    lines += [
        "",
        "| totaal punten | " + " | ".join(str(s) for s in scores) + " |",
        "|---|" + "---|" * len(scores),
        "| geschatte kans (6 mnd) | " + " | ".join(risk) + " |",
    ]
    return "\n".join(lines)


def _verdicts(training: Training) -> list[str]:
    """Plain sentences on the live list against the baselines and, on synthetic data, the references."""
    lane = {r["candidate"]: r for r in training.backtest.lane.iter_rows(named=True)}
    whole = {r["candidate"]: r for r in training.backtest.whole.iter_rows(named=True)}
    live = lane["live"]
    baselines = [k for k in ("stage_arrears", "arrears", "rules") if k in lane]
    best = max(baselines, key=lambda k: lane[k]["recall"])
    out = [
        f"In de baan Vroeg erop af vindt de live scorekaart {dutch_percent(live['recall'])} van de escalaties "
        f"binnen de capaciteit ({dutch_percent(live['early_warning_recall'])} van de escalaties zonder lopende "
        f"procedure); de beste eenvoudige basislijn ({lane[best]['label']}) {dutch_percent(lane[best]['recall'])} "
        f"({dutch_percent(lane[best]['early_warning_recall'])}). "
        + ("Dat is meer." if live["recall"] > lane[best]["recall"] else "Dat is NIET meer.")
    ]
    out.append(
        f"De hele lijst (Acuut plus de capaciteit van Vroeg erop af) vindt {dutch_percent(whole['list']['recall'])} "
        f"van alle escalaties; even veel huishoudens gekozen op fase en dan achterstand "
        f"{dutch_percent(whole['stage_arrears']['recall'])}."
    )
    if "ceiling" in lane:
        ceiling, limit = lane["ceiling"], lane["data_limit"]
        out.append(
            f"Referenties (alleen bij synthetische gegevens): het plafond (rangschikken op de werkelijke latente "
            f"kans) vindt {dutch_percent(ceiling['recall'])} ({dutch_percent(ceiling['early_warning_recall'])} "
            f"vroeg), de datalimiet (hetzelfde model getraind op de latente kans in plaats van op uitkomsten) "
            f"{dutch_percent(limit['recall'])} ({dutch_percent(limit['early_warning_recall'])} vroeg). De live "
            f"scorekaart haalt {dutch_number(live['recall'] / max(ceiling['recall'], 1e-9), 2)} × het plafond "
            f"bij alle escalaties en {dutch_number(live['early_warning_recall'] / max(ceiling['early_warning_recall'], 1e-9), 2)} "
            "× bij vroege."
        )
    return out


def render_model_card(training: Training) -> str:
    spec, lanes = load_spec(), default_lanes()
    card, backtest = training.live, training.backtest
    low, high = spec.evaluation.fairness_ratio_band
    acute = backtest.acute
    audit_parts = []
    for group, frame in training.audits.items():
        flagged = frame.filter(pl.col("flagged"))["group"].to_list()
        audit_parts += [
            f"### Per {AUDIT_GROUPS[group]}",
            "",
            _plain_table(frame),
            "",
            f"Buiten {dutch_number(low, 2)}–{dutch_number(high, 2)}: {', '.join(flagged) if flagged else 'geen'}.",
            "",
        ]
    kind = (
        "de voorlopige scorekaart (prior)"
        if card.kind == "prior"
        else "een op de eigen geschiedenis getrainde scorekaart"
    )
    return (
        "\n".join(
            [
                f"# Modelkaart scorekaart vroegsignalering {card.version}",
                "",
                f"_Gegenereerd door `vroeg model train` (peildatum {training.decided_on:%d-%m-%Y}); niet met de hand wijzigen._",
                "",
                "## Welke scorekaart is live, en waarom",
                "",
                f"Live is {kind}: **{card.version}**. {training.decision.reason_nl}",
                "",
                f"- Getraind en getoetst op {training.snapshot_rows:,} huishoudmaanden ({training.snapshot_escalations} "
                f"escalaties) van {len(training.train_dates) + len(training.test_dates)} maandeinden met een "
                f"waargenomen uitkomst, {training.train_dates[0] if training.train_dates else training.test_dates[0]} "
                f"t/m {training.test_dates[-1]}.".replace(",", "."),
                f"- Toetsperiode: de laatste {len(training.test_dates)} maandeinden ({training.test_dates[0]} t/m "
                f"{training.test_dates[-1]}); bij korte geschiedenis een derde van de maanden, hoogstens "
                f"{spec.training.max_test_months}. Per maandeinde is de getrainde scorekaart opnieuw getraind op "
                "alleen de uitkomsten die toen bekend waren"
                + (
                    f" ({len(backtest.prior_dates)} van die maandeinden waren er nog te weinig en telde de "
                    "voorlopige scorekaart)."
                    if backtest.prior_dates
                    else "."
                ),
                f"- Uitdager (altijd bewaard): {training.challenger.version}. Momentopnamen beginnen "
                f"{spec.training.min_history_days} dagen na de eerste levering; in de eerste maanden zijn vensters "
                "van een jaar (overlast) nog niet vol.",
                "",
                "## Algoritmeregister",
                "",
                "- **Naam**: Scorekaart vroegsignalering (volgorde in de baan Vroeg erop af van de wijkteamlijst).",
                "- **Doel**: in de baan Vroeg erop af eerst de huishoudens laten zien bij wie de kans het grootst is "
                "dat een ontruimingsprocedure binnen een half jaar de aanzegging bereikt, zodat een wijkteam zijn "
                "beperkte capaciteit gericht inzet. Regels bepalen de baan (Acuut: een situatie met een datum die "
                "binnen dagen actie vraagt, zonder capaciteitslijn); de scorekaart bepaalt alleen de volgorde in "
                "Vroeg erop af.",
                "- **Wettelijke grondslag**: Wet gemeentelijke schuldhulpverlening (vroegsignalering, art. 3a en de "
                "signaalpartners van art. 2.2.1 DDAS); regionaal beleid maatschappelijke opvang en beschermd wonen.",
                "- **Gegevens**: signalen van woningcorporaties (huurachterstand, ontruiming, overlast), het "
                "drinkwaterbedrijf, het GGD Meldpunt Zorg & Overlast en DDAS-leveringen; registraties van het wijkteam. "
                "Alleen wat op de peildatum bekend was. Geen nationaliteit, taal, geslacht, etniciteit, leeftijd, "
                "huishoudtype, vrije tekst of buurt als invoer (buurt bepaalt alleen het team). Getraind op "
                "maandelijkse momentopnamen die de nachtelijke run bewaart (bewaartermijn in config/retention.yaml), "
                "zodat de training niet alleen ziet wie na de bewaartermijn nog signalen heeft.",
                "- **Menselijke tussenkomst**: de scorekaart bepaalt alleen de volgorde. Elk huishouden met een signaal "
                "staat op de lijst en elk financieel signaal krijgt zijn Wgs-opvolging; de coördinator beslist wie "
                "wordt benaderd en hoe, en kan een huishouden met een reden naar een andere baan verplaatsen. Er "
                "wordt niets automatisch besloten.",
                "- **Risico's**: verkeerde prioritering door gebrekkige leveringen; patronen uit het verleden die "
                "groepen achterstellen (zie de bias-audit); te veel vertrouwen in een getal. Daarom: punten per klasse "
                "op één pagina, redenen per huishouden, een toets tegen eenvoudige basislijnen op de eigen "
                "geschiedenis, en een audit per modelversie.",
                "- **Contact**: beleidsadviseur vroegsignalering (eigenaar van de regels en de scorekaart).",
                "",
                "## De scorekaart op één pagina",
                "",
                f"Elke {card.points_per_doubling:g} punten verdubbelen de kans (odds). De klassen staan in "
                "`rules/scorecard.yaml`"
                + (
                    ", de punten van de voorlopige scorekaart met hun onderbouwing in `rules/prior_scorecard.yaml`."
                    if card.kind == "prior"
                    else "; waar het domein een richting voorschrijft, lopen de punten in die richting."
                ),
                "",
                _points_page(training),
                "",
                "## Backtest op de eigen geschiedenis (tijdsgebonden, nooit willekeurig gesplitst)",
                "",
                f"Uitkomst (escalatie): een ontruimingsprocedure op het adres bereikt {', '.join(spec.label_stages)} "
                f"binnen {spec.label_horizon_days} dagen na het maandeinde. Capaciteit: de weekcapaciteit van elk team "
                f"× {spec.evaluation.weeks_per_snapshot} per maandeinde. Vroeg: escalaties van huishoudens zonder "
                "lopende procedure op het maandeinde. Huishoudens met een gelijke stand op de capaciteitslijn tellen "
                "naar verwachting mee.",
                "",
                f"### Baan {lanes.label(lanes.default_lane)} bij teamcapaciteit",
                "",
                markdown_table(backtest.lane, LANE_COLUMNS),
                "",
                "![Recall per ordening](backtest.svg)",
                "",
                *[f"{sentence}" for sentence in _verdicts(training)],
                "",
                "### De hele lijst, even groot als boven de lijn",
                "",
                "Per team en maandeinde zoveel huishoudens als de lijst boven de lijn toont (iedereen in Acuut plus "
                "de capaciteit van Vroeg erop af), gekozen door elke ordening; lijsten kiezen eerst Acuut.",
                "",
                markdown_table(backtest.whole, LANE_COLUMNS),
                "",
                f"### Baan {lanes.label(lanes.codes[0])}",
                "",
                f"{dutch_number(int(acute['households']))} huishoudmaanden in Acuut, met "
                f"{dutch_number(int(acute['escalations']))} van de {dutch_number(int(acute['all_escalations']))} "
                "escalaties; iedereen in deze baan hoort benaderd te worden, dus hier wordt niet gerangschikt.",
                "",
                "### Hoe lang vóór een uitgevoerde ontruiming het huishouden boven de lijn stond",
                "",
                markdown_table(backtest.lead, LEAD_COLUMNS),
                "",
                "## Kalibratie (voorspelde tegen waargenomen kans, toetsperiode)",
                "",
                _plain_table(training.calibration, {"predicted": "4", "observed": "4"}),
                "",
                "## Bias-audit",
                "",
                "Aandeel boven de lijn, recall (wie wordt gemist) en precisie per groep, als verhouding tot het "
                f"geheel; gemarkeerd buiten {dutch_number(low, 2)}–{dutch_number(high, 2)}. Recall en precisie alleen "
                f"bij minstens {spec.evaluation.minimum_group_positives} escalaties in de groep. Leeftijd en "
                "huishoudtype worden alleen voor deze audit gebruikt (uit een BRP-extract of, bij de demo, de "
                "generator), nooit als kenmerk.",
                "",
                *audit_parts,
            ]
        )
        + "\n"
    )
