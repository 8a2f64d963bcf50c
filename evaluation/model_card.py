"""The model card (Dutch, with the Algoritmeregister fields), generated — never edited by hand."""

from __future__ import annotations

import math

import polars as pl

from evaluation.train import AUDIT_GROUPS, Evaluation
from rules.scorecard import format_risk, load_spec

HEADERS = {
    "ordering": "ordening",
    "selected": "geselecteerd",
    "escalations_found": "gevonden escalaties",
    "escalations": "escalaties",
    "precision": "precisie",
    "recall": "recall",
    "auc": "AUC",
    "band": "klasse",
    "households": "huishoudens",
    "predicted": "voorspeld",
    "observed": "waargenomen",
    "group": "groep",
    "listed_share": "aandeel op lijst",
    "listed_ratio": "verhouding aandeel",
    "recall_ratio": "verhouding recall",
    "precision_ratio": "verhouding precisie",
}


def _table(frame: pl.DataFrame, formats: dict[str, str] | None = None) -> str:
    """A markdown table with Dutch headers and decimal commas; missing values as a dash."""
    formats = formats or {}
    header = "| " + " | ".join(HEADERS.get(c, c) for c in frame.columns) + " |"
    lines = [header, "|" + "---|" * len(frame.columns)]
    for row in frame.iter_rows():
        cells = []
        for column, value in zip(frame.columns, row, strict=True):
            if value is None or (isinstance(value, float) and math.isnan(value)):
                cells.append("—")
            elif isinstance(value, float):
                cells.append(format(value, formats.get(column, ".3f")).replace(".", ","))
            else:
                cells.append(str(value))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _decimal(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def _percent(share: float) -> str:
    return f"{100 * share:.1f}%".replace(".", ",")


def _points_page(evaluation: Evaluation) -> str:
    card = evaluation.card
    lines = ["| kenmerk | klasse | punten |", "|---|---|---|"]
    for feature, points in card.points.items():
        for label, pts in zip(card.labels[feature], points, strict=True):
            lines.append(f"| {card.feature_labels[feature]} | {label} | {pts:+d} |")
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


def render_model_card(evaluation: Evaluation) -> str:
    spec = load_spec()
    card = evaluation.card
    capacity = evaluation.capacity
    best = capacity.filter(pl.col("ordering") == "lijst (tier, dan scorekaart)")["recall"]
    baselines = capacity.filter(pl.col("ordering").str.starts_with("alleen"))["recall"]
    verdict = ""
    if best.len() and baselines.len():
        beats = all(best[0] > b for b in baselines)
        verdict = f"Bij teamcapaciteit vindt de lijst {_percent(best[0])} van de escalaties; " + (
            "dat is meer dan beide eenvoudige basislijnen."
            if beats
            else "dat is NIET meer dan beide basislijnen."
        )
        ceiling = capacity.filter(pl.col("ordering").str.starts_with("plafond"))["recall"]
        if ceiling.len():
            verdict += (
                f" Het plafond (de werkelijke latente kans uit de generator) haalt {_percent(ceiling[0])}."
            )
            if best[0] > ceiling[0]:
                verdict += (
                    " De lijst haalt meer dan dit plafond: of een procedure de aanzegging bereikt, volgt grotendeels"
                    " uit een procedure die al loopt (dagvaarding, vonnis), en die kent de lijst wel en de latente"
                    " kans niet. Het plafond zegt hier dus vooral iets over huishoudens zonder lopende procedure."
                )
    low, high = spec.evaluation.fairness_ratio_band
    audit_parts = []
    for group, frame in evaluation.audits.items():
        flagged = frame.filter(pl.col("flagged"))["group"].to_list()
        audit_parts += [
            f"### Per {AUDIT_GROUPS[group]}",
            "",
            _table(
                frame.drop("flagged").with_columns(
                    frame["flagged"]
                    .replace_strict({True: "ja", False: ""}, return_dtype=pl.String)
                    .alias("gemarkeerd")
                )
            ),
            "",
            f"Buiten {_decimal(low)}–{_decimal(high)}: {', '.join(flagged) if flagged else 'geen'}.",
            "",
        ]
    return (
        "\n".join(
            [
                f"# Modelkaart scorekaart vroegsignalering {card.version}",
                "",
                "_Gegenereerd door `vroeg model train`; niet met de hand wijzigen._",
                "",
                "## Algoritmeregister",
                "",
                "- **Naam**: Scorekaart vroegsignalering (volgorde binnen de prioriteit op de wijkteamlijst).",
                "- **Doel**: binnen dezelfde prioriteit (crisis / hoog / normaal, bepaald door de regels) eerst de "
                "huishoudens laten zien bij wie de kans het grootst is dat een ontruimingsprocedure binnen een half jaar "
                "de aanzegging bereikt, zodat een wijkteam zijn beperkte capaciteit gericht inzet.",
                "- **Wettelijke grondslag**: Wet gemeentelijke schuldhulpverlening (vroegsignalering, art. 3a en de "
                "signaalpartners van art. 2.2.1 DDAS); regionaal beleid maatschappelijke opvang en beschermd wonen.",
                "- **Gegevens**: signalen van woningcorporaties (huurachterstand, ontruiming, overlast), het "
                "drinkwaterbedrijf, het GGD Meldpunt Zorg & Overlast en DDAS-leveringen; registraties van het wijkteam. "
                "Alleen wat op de peildatum bekend was. Geen nationaliteit, taal, geslacht, etniciteit, leeftijd, "
                "huishoudtype, vrije tekst of buurt als invoer (buurt bepaalt alleen het team). Alleen gegevens "
                "binnen hun bewaartermijn (config/retention.yaml): na de eerste training is de trainingshistorie "
                "zo lang als de bewaartermijn toestaat.",
                "- **Menselijke tussenkomst**: de scorekaart bepaalt alleen de volgorde. Elk huishouden met een "
                "financieel signaal staat op de lijst; de coördinator beslist wie wordt benaderd en hoe, en kan de "
                "prioriteit met een reden aanpassen. Er wordt niets automatisch besloten.",
                "- **Risico's**: verkeerde prioritering door gebrekkige leveringen; patronen uit het verleden die "
                "groepen achterstellen (zie de bias-audit); te veel vertrouwen in een getal. Daarom: punten per klasse "
                "op één pagina, redenen per huishouden, en een audit per modelversie.",
                "- **Contact**: beleidsadviseur vroegsignalering (eigenaar van de regels en de scorekaart).",
                "",
                "## De scorekaart op één pagina",
                "",
                f"Elke {card.points_per_doubling:g} punten verdubbelen de kans (odds). De klassen staan in "
                "`rules/scorecard.yaml`; waar het domein een richting voorschrijft, lopen de punten in die richting.",
                "",
                _points_page(evaluation),
                "",
                "## Evaluatie (tijdsgebonden, nooit willekeurig gesplitst)",
                "",
                f"Label: een ontruimingsprocedure bereikt {', '.join(spec.label_stages)} binnen "
                f"{spec.label_horizon_days} dagen na de peildatum (per adres). Getraind op de peildata "
                f"{evaluation.train_dates[0]} t/m {evaluation.train_dates[-1]} ({evaluation.train_rows} huishoud-maanden, "
                f"{evaluation.train_positives} escalaties); getest op {evaluation.test_dates[0]} t/m "
                f"{evaluation.test_dates[-1]} ({evaluation.test_rows} huishoud-maanden, {evaluation.test_positives} "
                f"escalaties). Capaciteit: de weekcapaciteit van elk team × {spec.evaluation.weeks_per_snapshot} weken per "
                "maandelijkse peildatum. Huishoudens met een gelijke stand op de capaciteitslijn tellen naar "
                "verwachting mee (willekeurige volgorde binnen de gelijke stand), zodat de cijfers niet afhangen van "
                "de pseudonimiseringssleutel. De gepubliceerde scorekaart is dezelfde procedure, gefit op alle "
                "peildata.",
                "",
                "### Precisie en recall bij teamcapaciteit",
                "",
                _table(capacity),
                "",
                verdict,
                "",
                "### Onderscheidend vermogen (AUC)",
                "",
                _table(evaluation.auc),
                "",
                "### Kalibratie (voorspelde tegen waargenomen kans, testperiode)",
                "",
                _table(evaluation.calibration, {"predicted": ".4f", "observed": ".4f"}),
                "",
                "## Bias-audit",
                "",
                "Aandeel op de lijst binnen capaciteit, recall (wie wordt gemist) en precisie per groep, als verhouding "
                f"tot het geheel; gemarkeerd buiten {_decimal(low)}–{_decimal(high)}. Recall en precisie alleen bij minstens "
                f"{spec.evaluation.minimum_group_positives} escalaties in de groep. Leeftijd en huishoudtype worden "
                "alleen voor deze audit gebruikt, nooit als kenmerk. Een afwijkend aandeel op de lijst kan een "
                "verschil in signalen weerspiegelen (de lijst volgt de signalen); de verhouding van de recall laat "
                "zien of een groep vaker wordt gemist."
                + (
                    ""
                    if evaluation.has_ceiling
                    else " (Zonder BRP-extract ontbreken leeftijd en huishoudtype.)"
                ),
                "",
                *audit_parts,
            ]
        )
        + "\n"
    )
