"""`vroeg portal`: serve the web portal, add accounts and supplier API tokens."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

portal_app = typer.Typer(help="Het webportaal: starten, accounts en API-sleutels.")
user_app = typer.Typer(help="Accounts van het portaal.", no_args_is_help=True)
token_app = typer.Typer(help="API-sleutels voor leveranciers.", no_args_is_help=True)
portal_app.add_typer(user_app, name="user")
portal_app.add_typer(token_app, name="token")
console = Console()

WorkspaceOpt = Annotated[
    Path,
    typer.Option(
        "--workspace", "-w", help="Workspace folder (warehouse, portal.sqlite).", envvar="VROEG_WORKSPACE"
    ),
]


@portal_app.callback(invoke_without_command=True)
def serve(
    ctx: typer.Context,
    workspace: WorkspaceOpt = Path("data/demo"),
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    secure_cookie: Annotated[
        bool,
        typer.Option(
            help="Send the session cookie over HTTPS only (off only for plain HTTP on a test machine).",
            envvar="VROEG_PORTAL_SECURE_COOKIE",
        ),
    ] = True,
) -> None:
    """Start the portal (uvicorn) for a workspace; with a subcommand, run that instead."""
    if ctx.invoked_subcommand is not None:
        return
    import uvicorn

    from portal.app import create_app

    # No access log: URLs name households, and the audit log already records who saw what.
    uvicorn.run(
        create_app(workspace, secure_cookie=secure_cookie),
        host=host,
        port=port,
        access_log=False,
        proxy_headers=False,
    )


def _password() -> str:
    from_env = os.environ.get("VROEG_PORTAL_PASSWORD")
    if from_env:
        return from_env
    return typer.prompt("Wachtwoord", hide_input=True, confirmation_prompt=True)


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="User name (log-in name).")],
    role: Annotated[str, typer.Option(help="coordinator, supplier, evaluator or administrator.")],
    team: Annotated[
        str | None, typer.Option(help="Team code (config/teams.yaml); coordinators only.")
    ] = None,
    supplier: Annotated[
        str | None, typer.Option(help="Supplier code (config/suppliers.yaml); suppliers only.")
    ] = None,
    workspace: WorkspaceOpt = Path("data/demo"),
) -> None:
    """Add an account; the password comes from $VROEG_PORTAL_PASSWORD or is asked for."""
    import sqlite3

    from portal import state
    from portal.security import ROLES, hash_password
    from signals.registry import suppliers, teams
    from warehouse.workspace import Workspace

    if role not in ROLES:
        raise typer.BadParameter(f"kies uit {', '.join(ROLES)}", param_hint="--role")
    if (role == "coordinator") != (team is not None):
        raise typer.BadParameter(
            "een coördinator heeft precies één team, andere rollen geen", param_hint="--team"
        )
    if (role == "supplier") != (supplier is not None):
        raise typer.BadParameter(
            "een leverancier heeft precies één leverancierscode, andere rollen geen", param_hint="--supplier"
        )
    if team is not None and team not in {t.code for t in teams().teams}:
        raise typer.BadParameter(f"onbekend team {team!r}", param_hint="--team")
    if supplier is not None:
        try:
            suppliers().get(supplier)
        except KeyError as exc:
            raise typer.BadParameter(f"onbekende leverancier {supplier!r}", param_hint="--supplier") from exc
    try:
        password_hash = hash_password(_password())
    except ValueError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from exc
    ws = Workspace(workspace.resolve())
    ws.root.mkdir(parents=True, exist_ok=True)
    con = state.open_state(ws.portal_state)
    try:
        state.add_account(con, name, role, password_hash, team_code=team, supplier_code=supplier)
        state.audit(
            con,
            "account_aangemaakt",
            username="cli",
            detail=f"{name} ({role})",
            team_code=team,
            supplier_code=supplier,
        )
    except sqlite3.IntegrityError as exc:
        console.print(f"[red]Het account {name} bestaat al.[/]")
        raise typer.Exit(1) from exc
    finally:
        con.close()
    console.print(f"Account {name} ({role}) aangemaakt.")


@token_app.command("add")
def token_add(
    supplier: Annotated[str, typer.Option(help="Supplier code (config/suppliers.yaml).")],
    label: Annotated[str, typer.Option(help="What the token is for, e.g. the sending system.")] = "api",
    workspace: WorkspaceOpt = Path("data/demo"),
) -> None:
    """Make an API token for a supplier; it is shown once and stored only as a hash."""
    from portal import state
    from portal.security import new_api_token
    from signals.registry import suppliers
    from warehouse.workspace import Workspace

    try:
        suppliers().get(supplier)
    except KeyError as exc:
        raise typer.BadParameter(f"onbekende leverancier {supplier!r}", param_hint="--supplier") from exc
    ws = Workspace(workspace.resolve())
    ws.root.mkdir(parents=True, exist_ok=True)
    token = new_api_token()
    con = state.open_state(ws.portal_state)
    try:
        state.add_api_token(con, token, supplier, label)
        state.audit(con, "api_sleutel_aangemaakt", username="cli", supplier_code=supplier, detail=label)
    finally:
        con.close()
    console.print(f"API-sleutel voor {supplier} (bewaar hem nu; hij wordt niet opnieuw getoond):")
    console.print(token, markup=False, highlight=False, soft_wrap=True)
