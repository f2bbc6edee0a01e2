"""Command line: `python -m bot {train,validate,migrate,run,shell,staff}` (the Makefile calls
these; `staff` manages the console's accounts)."""

from __future__ import annotations

import argparse
import getpass
import json
import signal
import subprocess
import sys
from datetime import timedelta
from types import FrameType

import httpx

from bot.console.accounts import create_account, refresh_demo_admin, remove_demo_admin
from bot.content import load_content
from bot.ops.environment import child_env
from bot.ops.launcher import Stack, StartupError
from bot.ops.model import ensure_model
from bot.settings import Settings, get_settings
from bot.store import privacy
from bot.store.db import session_factory
from bot.store.migrate import upgrade
from bot.store.staff import StaffError, audit, list_staff


def train(settings: Settings) -> int:
    """Train if the training data or config changed."""
    print(f"Model: {ensure_model(settings)}")
    return 0


def validate(settings: Settings) -> int:
    """`rasa data validate` on the training data: conflicts, unknown intents, bad stories."""
    config, domain = settings.training_files
    command = [sys.executable, "-m", "rasa", "data", "validate", "--config", str(config)]
    command += ["--domain", str(domain), "--data", *map(str, settings.training_data)]
    return subprocess.run(command, cwd=settings.root, env=child_env(settings)).returncode


def migrate(settings: Settings) -> int:
    """Bring the database schema up to date."""
    upgrade(settings.database_url)
    print(f"Database up to date: {settings.database_url}")
    return 0


def run(settings: Settings) -> int:
    """Start everything, print where to talk to it, and stop it all on Ctrl-C."""
    problems = settings.problems()
    if problems:
        print("Refusing to start:\n- " + "\n- ".join(problems), file=sys.stderr)
        return 2

    def stop(signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    # Set explicitly: a launcher started in the background inherits SIGINT as ignored.
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    stack: Stack | None = None
    # Rasa's API and the action server always take a secret: one made for this run if unset.
    settings = settings.with_run_secrets()
    try:
        model = ensure_model(settings)
        upgrade(settings.database_url)
        demo = None
        if not settings.production:
            demo = refresh_demo_admin(session_factory(settings.database_url))
        stack = Stack.for_clinic(settings, model)
        print("Starting the action server, Rasa and the gateway (the model takes a while)...")
        stack.start()
        telegram = "off (set TELEGRAM_TOKEN)"
        if settings.telegram_token:
            telegram = "on (webhook)" if settings.telegram_webhook_url else "on (polling)"
        print(
            f"\nmesobot is running.\n"
            f"  Demo page with the chat widget: {settings.gateway_url}/\n"
            f"  Ready (with reasons):           {settings.gateway_url}/readyz\n"
            f"  Staff console:                  {settings.console_url}\n"
            + (
                f"                                  user demo, password {demo} (new every run)\n"
                if demo
                else ""
            )
            + f"  Telegram:                       {telegram}\n"
            f"  Rasa (localhost, JWT only):     {', '.join(settings.rasa_urls)}\n"
            f"  Chat in a terminal: make shell   (logs in {settings.run_dir / 'logs'})\n"
            f"Press Ctrl-C to stop.",
            flush=True,
        )
        while True:
            signal.pause()
    except StartupError as error:
        print(f"Could not start mesobot: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nStopping...", flush=True)
    finally:
        if stack is not None:
            stack.stop()
    print("Stopped.", flush=True)
    return 0


def shell(settings: Settings) -> int:
    """A terminal chat with the running bot, as a patient: through the widget's endpoints."""
    print("Type a message (Ctrl-D to quit). Buttons are numbered: type [1] to press the first.")
    with httpx.Client(base_url=f"http://127.0.0.1:{settings.gateway_port}", timeout=60) as client:
        try:
            token = client.post("/widget/session").json()["token"]
        except (httpx.HTTPError, KeyError, ValueError) as error:
            print(f"(cannot reach mesobot at {client.base_url}: {error}; is `make run` running?)")
            return 1
        headers = {"Authorization": f"Bearer {token}"}
        buttons: list[dict[str, str]] = []
        while True:
            try:
                text = input("you> ")
            except EOFError:
                print()
                return 0
            pressed = text.strip().strip("[]")
            if pressed.isdigit() and 0 < int(pressed) <= len(buttons):
                body = {"button": buttons[int(pressed) - 1]["payload"]}
            else:
                body = {"text": text}
            try:
                answer = client.post("/widget/messages", json=body, headers=headers).json()
            except (httpx.HTTPError, ValueError) as error:
                print(f"(no answer: {error})")
                continue
            if "error" in answer:
                print(f"(not sent: {answer['error']})")
                continue
            buttons = []
            for reply in answer.get("replies", []):
                print(f"bot> {reply['text']}")
                buttons.extend(reply.get("buttons", []))
            for number, button in enumerate(buttons, start=1):
                print(f"     [{number}] {button['title']}")


def staff(settings: Settings, args: argparse.Namespace) -> int:
    """`staff add NAME --role ...`, `staff list`, `staff remove-demo`."""
    upgrade(settings.database_url)
    db = session_factory(settings.database_url)
    if args.action == "list":
        for account, disabled, demo, active in list_staff(db):
            marks = "".join((" (disabled)" if disabled else "", " (demo)" if demo else ""))
            marks += f", {active} signed in" if active else ""
            print(f"{account.username:20} {account.role:6} {account.display_name}{marks}")
        return 0
    if args.action == "remove-demo":
        print("Demo admin removed." if remove_demo_admin(db) else "There is no demo admin.")
        return 0
    if not args.name:
        print("staff add needs a NAME", file=sys.stderr)
        return 2
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Again: "):
            print("The passwords differ.", file=sys.stderr)
            return 2
    try:
        added = create_account(db, args.name, args.display_name or args.name, args.role, password)
    except StaffError as error:
        print(f"Not added: {error}", file=sys.stderr)
        return 2
    print(f"Added {added.username} ({added.role}). Sign in at {settings.console_url}")
    return 0


def purge(settings: Settings, args: argparse.Namespace) -> int:
    """Erase conversations quiet for longer than the retention period."""
    days = args.older_than or load_content(settings).clinic.retention_days
    if not days:
        print("No retention period: set retention_days in clinic.yml or pass --older-than.")
        return 2
    upgrade(settings.database_url)
    db = session_factory(settings.database_url)
    removed = privacy.purge(db, timedelta(days=days))
    audit(
        db,
        None,
        "purge",
        "cli",
        detail=f"older than {days} days: {removed.total} rows",
        username="purge",
    )
    print(f"Erased {removed.total} rows of conversations quiet for {days}+ days: {removed.rows}")
    return 0


def forget_or_export(settings: Settings, args: argparse.Namespace) -> int:
    """Erase, or print as JSON, everything about one conversation (a patient's request)."""
    upgrade(settings.database_url)
    db = session_factory(settings.database_url)
    if args.command == "export":
        print(json.dumps(privacy.export(db, args.conversation), indent=2, ensure_ascii=False))
        return 0
    removed = privacy.forget(db, args.conversation)
    audit(db, None, "erase", "cli", None, args.conversation, "on request", username="cli")
    print(f"Erased {removed.total} rows of {args.conversation}: {removed.rows}")
    return 0


COMMANDS = {
    "train": train,
    "validate": validate,
    "migrate": migrate,
    "run": run,
    "shell": shell,
}


def main(argv: list[str] | None = None) -> int:
    """Parse the command and run it with settings from the environment."""
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, command in COMMANDS.items():
        commands.add_parser(name, help=(command.__doc__ or "").splitlines()[0])
    accounts = commands.add_parser("staff", help="Manage staff console accounts.")
    accounts.add_argument("action", choices=["add", "list", "remove-demo"])
    accounts.add_argument("name", nargs="?", help="username (for add)")
    accounts.add_argument("--role", choices=["staff", "admin"], default="staff")
    accounts.add_argument("--display-name", help="how patients see replies (default: NAME)")
    accounts.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    purging = commands.add_parser("purge", help="Erase conversations past the retention period.")
    purging.add_argument("--older-than", type=int, metavar="DAYS", help="default: clinic.yml")
    for name, help_text in (
        ("forget", "Erase everything about one conversation."),
        ("export", "Print everything about one conversation as JSON."),
    ):
        commands.add_parser(name, help=help_text).add_argument("conversation")
    args = parser.parse_args(argv)
    if args.command == "staff":
        return staff(get_settings(), args)
    if args.command == "purge":
        return purge(get_settings(), args)
    if args.command in ("forget", "export"):
        return forget_or_export(get_settings(), args)
    return COMMANDS[args.command](get_settings())


if __name__ == "__main__":
    sys.exit(main())
