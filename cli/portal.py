"""`vroeg portal`: serve the web portal, add accounts, supplier API tokens and DDAS API clients."""

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
ddas_client_app = typer.Typer(
    help="Clients van de DDAS-API (het CBS haalt vroegsignalen op).", no_args_is_help=True
)
portal_app.add_typer(ddas_client_app, name="ddas-client")
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
    from portal import accounts, state
    from warehouse.workspace import Workspace

    try:  # before asking for a password
        accounts.check_account(role, team, supplier)
    except accounts.AccountError as exc:
        raise typer.BadParameter(str(exc)) from exc
    ws = Workspace(workspace.resolve())
    ws.root.mkdir(parents=True, exist_ok=True)
    password = _password()
    con = state.open_state(ws.portal_state)
    try:
        accounts.create_account(con, name, role, password, team=team, supplier=supplier, by="cli")
    except accounts.AccountError as exc:
        console.print(f"[red]{exc}[/]")
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
    from portal import accounts, state
    from warehouse.workspace import Workspace

    try:
        accounts.check_supplier(supplier)
    except accounts.AccountError as exc:
        raise typer.BadParameter(str(exc), param_hint="--supplier") from exc
    ws = Workspace(workspace.resolve())
    ws.root.mkdir(parents=True, exist_ok=True)
    con = state.open_state(ws.portal_state)
    try:
        token = accounts.issue_token(con, supplier, label, by="cli")
    except accounts.AccountError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from exc
    finally:
        con.close()
    console.print(f"API-sleutel voor {supplier} (bewaar hem nu; hij wordt niet opnieuw getoond):")
    console.print(token, markup=False, highlight=False, soft_wrap=True)


@portal_app.command("audit-check")
def audit_check(workspace: WorkspaceOpt = Path("data/demo")) -> None:
    """Check that nobody changed the audit log outside the portal (its hash chain); exit 1 if so."""
    from portal import state
    from warehouse.workspace import Workspace

    ws = Workspace(workspace.resolve())
    if not ws.portal_state.exists():
        console.print(f"[red]Geen portaalbestand in {ws.root}.[/]")
        raise typer.Exit(1)
    con = state.open_state(ws.portal_state)
    try:
        status = state.chain_status(con)
        state.audit(
            con,
            "auditketen_gecontroleerd",
            username="cli",
            detail="in orde" if status["broken_at"] is None else f"gebroken bij regel {status['broken_at']}",
            result=state.ALLOWED,
        )
    finally:
        con.close()
    if status["broken_at"] is not None:
        console.print(
            f"[red]Het auditlog is aangepast buiten het portaal om: vanaf regel {status['broken_at']} "
            "sluiten de regels niet meer op elkaar aan.[/]"
        )
        raise typer.Exit(1)
    console.print(
        f"Auditlog in orde: {status['lines']} regels sluiten op elkaar aan"
        + (f" ({status['unchained']} van vóór de controle niet meegeteld)" if status["unchained"] else "")
        + f". Controlegetal van de laatste regel: {status['last_hash']}"
    )


@ddas_client_app.command("add")
def ddas_client_add(
    label: Annotated[str, typer.Option(help="What the client is for, e.g. 'CBS productie'.")],
    workspace: WorkspaceOpt = Path("data/demo"),
) -> None:
    """Make a DDAS API client; its secret is shown once and stored only as a hash."""
    from portal import state
    from portal.ddas_api.clients import ClientError, create_client
    from warehouse.workspace import Workspace

    ws = Workspace(workspace.resolve())
    ws.root.mkdir(parents=True, exist_ok=True)
    con = state.open_state(ws.portal_state)
    try:
        client_id, secret = create_client(con, label, by="cli")
    except ClientError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from exc
    finally:
        con.close()
    console.print(
        f"DDAS-client {client_id} aangemaakt. Het geheim (bewaar het nu; het wordt niet opnieuw getoond):"
    )
    console.print(secret, markup=False, highlight=False, soft_wrap=True)


@ddas_client_app.command("list")
def ddas_client_list(workspace: WorkspaceOpt = Path("data/demo")) -> None:
    """List the DDAS API clients (never their secrets)."""
    from portal import state
    from warehouse.workspace import Workspace

    con = state.open_state(Workspace(workspace.resolve()).portal_state)
    try:
        clients = state.ddas_clients(con)
    finally:
        con.close()
    for c in clients:
        revoked = f", ingetrokken {c['revoked_at']} door {c['revoked_by']}" if c["revoked_at"] else ""
        console.print(
            f"{c['client_id']}  {c['label']}  (aangemaakt {c['created_at']}{revoked})", markup=False
        )
    if not clients:
        console.print("Nog geen DDAS-clients.")


@ddas_client_app.command("revoke")
def ddas_client_revoke(
    client_id: Annotated[str, typer.Argument(help="The client id (ddas-...).")],
    workspace: WorkspaceOpt = Path("data/demo"),
) -> None:
    """Revoke a DDAS API client: its access tokens stop working at once."""
    from portal import state
    from portal.ddas_api.clients import ClientError, revoke_client
    from warehouse.workspace import Workspace

    con = state.open_state(Workspace(workspace.resolve()).portal_state)
    try:
        revoke_client(con, client_id, by="cli")
    except ClientError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from exc
    finally:
        con.close()
    console.print(f"DDAS-client {client_id} ingetrokken.")
