"""Flask commands: import a document, load the demo, verify the hash chains, back up and
restore the database."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app

from charter.errors import DomainError
from charter.extensions import db


def fail(message: str) -> None:
    """Print a one-line error and exit with status 2."""
    click.echo(f"Error: {message}", err=True)
    raise click.exceptions.Exit(2)


def register_commands(app: Flask) -> None:
    """Attach the commands to the app's CLI."""

    @app.cli.command("import")
    @click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--title", required=True, help="The charter's title.")
    @click.option("--slug", help="Short name used in addresses (default: from the title).")
    @click.option("--author", default="Secretariat", show_default=True)
    @click.option("--publish", is_flag=True, help="Publish version 1 at once.")
    @click.option("--language", default="en", show_default=True, help="en, fr or es: the text's.")
    def import_command(
        file: Path, title: str, slug: str | None, author: str, publish: bool, language: str
    ):
        """Create a charter whose version 1 is a Markdown FILE."""
        from charter.drafting import services

        if not file.is_file():
            fail(f"{file}: no such file")
        if file.stat().st_size > services.MAX_IMPORT_BYTES:
            fail(f"{file}: the file is larger than 2 MB")
        try:
            charter = services.import_charter(
                file.read_bytes(), title, slug, author=author, publish_it=publish, language=language
            )
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            fail(f"{file}: {error.message}")
        state = "published" if publish else "draft"
        click.echo(f"Imported “{charter.title}” as /charters/{charter.slug}, version 1 ({state}).")

    @app.cli.command("demo")
    @click.option("--if-empty", is_flag=True, help="Load only into a database with no charter.")
    def demo_command(if_empty: bool):
        """Load the demo charter, its councils and one account per role."""
        from charter.demo.loader import demo_accounts, load_demo
        from charter.drafting.models import Charter

        if if_empty and db.session.scalar(sa.select(Charter.id).limit(1)) is not None:
            click.echo("The database holds charters already: the demo is not loaded.")
        else:
            charter = load_demo()
            if charter is None:
                click.echo("The demo charter is loaded already.")
            else:
                db.session.commit()
                click.echo(f"Loaded the demo charter at /charters/{charter.slug}.")
        accounts = demo_accounts()
        if accounts:
            click.echo("Demo accounts (demo only — sign in at /login):")
            for role, email, password in accounts:
                click.echo(f"  {role:12} {email:48} {password}")
            roles = ", ".join(current_app.config["TWO_FACTOR_ROLES"])
            if roles:
                click.echo(
                    f"Roles {roles} set up two-factor sign-in at their first sign-in: an "
                    "authenticator app (or `oathtool --totp -b KEY`) gives the codes."
                )

    @app.cli.command("verify")
    def verify_command():
        """Check every charter's hash chain; exit 1 on any mismatch."""
        from charter.drafting.integrity import verify_all

        problems = 0
        for charter, count, found in verify_all():
            if found:
                problems += len(found)
                click.echo(f"{charter.slug}: {len(found)} problem(s) in {count} version(s)")
                for problem in found:
                    click.echo(f"  - {problem}")
            else:
                click.echo(f"{charter.slug}: {count} version(s), chain verified")
        if problems:
            raise click.exceptions.Exit(1)

    @app.cli.command("digest")
    def digest_command():
        """E-mail the daily digests and retry failed e-mails; exit 1 when SMTP fails."""
        from charter import notifications

        sent, error = notifications.send_digests()
        click.echo(f"Sent {sent} message(s).")
        if error:
            click.echo(f"Error: the mail server failed ({error}); run again later.", err=True)
            raise click.exceptions.Exit(1)

    @app.cli.command("backup")
    @click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
    def backup_command(file: Path):
        """Write every row of the database to FILE (JSON lines; gzipped if it ends in .gz),
        as it is at one moment, while the site keeps running."""
        from charter import backup

        if file.exists():
            fail(f"{file}: the file exists already")
        counts = backup.backup(file)
        click.echo(f"Backed up {sum(counts.values())} rows of {len(counts)} tables to {file}.")

    @app.cli.command("restore")
    @click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
    def restore_command(file: Path):
        """Write a backup into this database, which must be empty (after `flask db upgrade`),
        of either engine: all of it or nothing."""
        from charter import backup

        if not file.is_file():
            fail(f"{file}: no such file")
        try:
            counts = backup.restore(file)
        except DomainError as error:
            fail(f"{file}: {error.message}")
        click.echo(f"Restored {sum(counts.values())} rows of {len(counts)} tables from {file}.")

    register_user_commands(app)

    from charter.webhooks.delivery import cli as webhooks_cli

    app.cli.add_command(webhooks_cli)


def register_user_commands(app: Flask) -> None:
    """`flask users create|list|token`."""
    users = click.Group("users", help="Manage user accounts.")

    @users.command("create")
    @click.argument("email")
    @click.option("--role", required=True, help="partner, sherpa, advisor, secretariat or admin")
    @click.option("--password", required=True)
    @click.option("--name", default="", help="Display name (default: from the e-mail).")
    @click.option(
        "--council",
        "councils",
        multiple=True,
        help="Council name (or charter-slug:name); repeat for several.",
    )
    def create_user(email: str, role: str, password: str, name: str, councils: tuple[str, ...]):
        """Create an account that can sign in at once."""
        from charter.accounts import services

        try:
            found = [services.find_council(reference) for reference in councils]
            user = services.create_user(
                email, role, password=password, display_name=name, councils=found
            )
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            fail(error.message)
        click.echo(f"Created {user.role} {user.email}.")

    @users.command("list")
    def list_users():
        """List the accounts."""
        from sqlalchemy.orm import selectinload

        from charter.accounts.models import User

        query = sa.select(User).options(selectinload(User.councils)).order_by(User.email)
        for user in db.session.scalars(query):
            councils = ", ".join(council.name for council in user.councils)
            state = "" if user.active else " (deactivated)"
            click.echo(
                f"{user.email:48} {user.role:12} {user.display_name}{state}"
                + (f" — {councils}" if councils else "")
            )

    @users.command("token")
    @click.argument("email")
    @click.option("--name", default="command line", show_default=True, help="What will use it.")
    def create_token(email: str, name: str):
        """Create a personal API token for EMAIL and print it: it is shown only this once."""
        from charter.accounts import services
        from charter.api import tokens

        user = services.user_by_email(email)
        if user is None or not user.active:
            fail(f"{email}: no active account has this e-mail address")
        try:
            _token, secret = tokens.create(user, name)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            fail(error.message)
        click.echo(secret)
        click.echo(f"A token for {user.email}: copy it now, it is not shown again.", err=True)

    app.cli.add_command(users)
