"""Command line: `python -m bot {train,validate,migrate,run,shell}` (the Makefile calls these)."""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import uuid
from types import FrameType

import httpx

from bot.ops.environment import child_env
from bot.ops.launcher import Stack, StartupError
from bot.ops.model import ensure_model
from bot.settings import Settings, get_settings
from bot.store.migrate import upgrade


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
    try:
        model = ensure_model(settings)
        upgrade(settings.database_url)
        stack = Stack.for_clinic(settings, model)
        print("Starting the action server, Rasa and the gateway (the model takes a while)...")
        stack.start()
        telegram = "off (set TELEGRAM_TOKEN)"
        if settings.telegram_token:
            telegram = "on (webhook)" if settings.telegram_webhook_url else "on (polling)"
        print(
            f"\nmesobot is running.\n"
            f"  Demo page with the chat widget: {settings.gateway_url}/\n"
            f"  Health:                         {settings.gateway_url}/healthz\n"
            f"  Telegram:                       {telegram}\n"
            f"  Rasa REST (localhost only):     {settings.rasa_url}/webhooks/rest/webhook\n"
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
    """A terminal chat with the running bot through its REST channel."""
    url = f"{settings.rasa_url}/webhooks/rest/webhook"
    sender = f"shell-{uuid.uuid4().hex[:8]}"
    print("Type a message (Ctrl-D to quit).")
    with httpx.Client(timeout=60) as client:
        while True:
            try:
                text = input("you> ")
            except EOFError:
                print()
                return 0
            try:
                replies = client.post(url, json={"sender": sender, "message": text}).json()
            except httpx.HTTPError as error:
                print(f"(cannot reach mesobot at {url}: {error}; is `make run` running?)")
                continue
            for reply in replies:
                if "text" in reply:
                    print(f"bot> {reply['text']}")
                for button in reply.get("buttons", []):
                    print(f"     [{button['title']}] -> {button['payload']}")


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
    parser.add_argument("command", choices=sorted(COMMANDS))
    args = parser.parse_args(argv)
    return COMMANDS[args.command](get_settings())


if __name__ == "__main__":
    sys.exit(main())
