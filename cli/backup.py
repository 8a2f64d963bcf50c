"""`vroeg backup` and `vroeg restore`: a backup apart from the system, and a tested way back
(warehouse/backup.py). The pseudonymisation key is sealed apart with a passphrase."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from cli.options import WorkspaceOpt, console

PASSPHRASE_ENV = "VROEG_BACKUP_PASSPHRASE"

_PROBLEMS = {
    "missing": "ontbreekt",
    "size": "heeft een andere grootte dan in het manifest",
    "checksum": "is veranderd (SHA-256 klopt niet met het manifest)",
    "unexpected": "staat niet in het manifest",
    "manifest": "is onleesbaar of van een onbekend formaat",
}


def _passphrase(confirm: bool) -> str:
    value = os.environ.get(PASSPHRASE_ENV)
    if value:
        return value
    return typer.prompt("Wachtwoordzin voor de sleutel", hide_input=True, confirmation_prompt=confirm)


def backup(
    target: Annotated[
        Path, typer.Option(help="Folder for the dated backups: another disk or machine than the workspace.")
    ],
    workspace: WorkspaceOpt = Path("data/demo"),
    key_target: Annotated[
        Path | None,
        typer.Option(
            help="Folder apart from TARGET for the pseudonymisation key, sealed with a passphrase "
            f"(${PASSPHRASE_ENV} or asked). Without it the key is not saved."
        ),
    ] = None,
    keep: Annotated[
        int | None,
        typer.Option(help="Backups to keep in TARGET (default: backups_kept in config/retention.yaml)."),
    ] = None,
) -> None:
    """Back up the warehouse, the portal state, archive, inbox, lists, models and config into one dated
    folder with a manifest (sizes, SHA-256, versions, as-of dates); remove backups beyond the term."""
    from signals.pseudonymise import MissingKey, pseudonym_key
    from signals.registry import config_dir
    from signals.retention import retention
    from warehouse.backup import backup as make_backup
    from warehouse.sealed_key import MIN_PASSPHRASE
    from warehouse.workspace import Workspace

    if not workspace.is_dir():
        console.print(f"[red]Werkmap {workspace} bestaat niet.[/]")
        raise typer.Exit(2)
    key = passphrase = None
    if key_target is not None:
        try:
            key = pseudonym_key(workspace.resolve())
        except MissingKey:
            console.print("[red]Geen pseudonimiseringssleutel gevonden[/] (VROEG_PSEUDONYM_KEY of _FILE).")
            raise typer.Exit(2) from None
        passphrase = _passphrase(confirm=True)
        if len(passphrase) < MIN_PASSPHRASE:
            console.print(f"[red]De wachtwoordzin moet minstens {MIN_PASSPHRASE} tekens hebben.[/]")
            raise typer.Exit(2)
    try:
        result = make_backup(
            Workspace(workspace),
            target,
            config_dir(),
            keep=keep if keep is not None else retention().backups_kept,
            key=key,
            key_target=key_target,
            passphrase=passphrase,
        )
    except ValueError as exc:
        console.print(
            "[red]Back-up geweigerd:[/] het doel moet buiten de werkmap liggen, de sleutel buiten het "
            f"doel, en er blijft minstens één back-up bewaard ({exc})."
        )
        raise typer.Exit(2) from None
    dates = ", ".join(result.as_of_dates) or "geen"
    console.print(
        f"Back-up gemaakt: [bold]{result.folder}[/] ({result.files} bestanden, "
        f"{result.bytes / 1e6:.1f} MB; lijsten van peildata {dates})."
    )
    if result.key_file is not None:
        console.print(f"Sleutel verzegeld apart bewaard: {result.key_file}")
    else:
        console.print(
            "[yellow]De pseudonimiseringssleutel zit niet in deze back-up[/] (nooit: de back-up zelf bevat "
            "geen BSN). Bewaar de sleutel apart, bijvoorbeeld met --key-target op een ander medium; "
            "zonder sleutel kunnen nieuwe leveringen na een herstel niet aan de oude worden gekoppeld."
        )
    for name in result.removed:
        console.print(f"Oude back-up verwijderd (bewaartermijn): {name}")


def restore(
    source: Annotated[Path, typer.Option(help="One backup folder (vroeg-backup-…).")],
    workspace: Annotated[Path, typer.Option("--workspace", "-w", help="Empty folder to restore into.")],
    key: Annotated[
        Path | None,
        typer.Option(help=f"The sealed key (…key.sealed); passphrase from ${PASSPHRASE_ENV} or asked."),
    ] = None,
    key_out: Annotated[
        Path | None,
        typer.Option(help="Where to write the unsealed key (0600); default <workspace>/.pseudonym.key."),
    ] = None,
) -> None:
    """Restore a backup into an empty folder, after checking every file against its manifest."""
    from warehouse.restore import DamagedBackup, KeyMismatch, WorkspaceNotEmpty
    from warehouse.restore import restore as do_restore
    from warehouse.sealed_key import WrongPassphrase

    try:
        result = do_restore(
            source,
            workspace,
            sealed=key,
            passphrase=_passphrase(confirm=False) if key is not None else None,
            key_out=key_out,
        )
    except WorkspaceNotEmpty:
        console.print(f"[red]Herstel geweigerd:[/] {workspace} is niet leeg. Herstel in een lege map.")
        raise typer.Exit(2) from None
    except DamagedBackup as exc:
        console.print(
            f"[red]Back-up beschadigd, niets hersteld:[/] bestand {exc.file} {_PROBLEMS[exc.problem]}."
        )
        raise typer.Exit(1) from None
    except WrongPassphrase:
        console.print(f"[red]De wachtwoordzin opent de sleutel {key} niet[/] (of het bestand is beschadigd).")
        raise typer.Exit(1) from None
    except KeyMismatch:
        console.print(f"[red]De sleutel {key} hoort niet bij deze back-up[/]: niets hersteld.")
        raise typer.Exit(1) from None
    console.print(
        f"Hersteld in [bold]{result.workspace}[/] ({result.files} bestanden, alle controlesommen goed)."
    )
    if result.archive_paths_rewritten:
        console.print(
            f"{result.archive_paths_rewritten} archiefpaden in het warehouse wijzen nu naar de "
            "herstelde werkmap."
        )
    if result.archive_files_missing:
        missing = result.archive_files_missing
        console.print(f"[yellow]{missing} gearchiveerde leveringen ontbreken op schijf.[/]")
    if result.config_dir is not None:
        console.print(f"Configuratie van de installatie: {result.config_dir} (zet VROEG_CONFIG_DIR daarop).")
    if result.key_file is not None:
        console.print(
            f"Sleutel hersteld in {result.key_file}; zet VROEG_PSEUDONYM_KEY_FILE daarop of zet hem terug "
            "in de sleutelkluis."
        )
