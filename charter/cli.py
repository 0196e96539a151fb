"""Flask commands: import a document, load the demo, verify the hash chains."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask

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
    def import_command(file: Path, title: str, slug: str | None, author: str, publish: bool):
        """Create a charter whose version 1 is a Markdown FILE."""
        from charter.drafting import services

        if not file.is_file():
            fail(f"{file}: no such file")
        if file.stat().st_size > services.MAX_IMPORT_BYTES:
            fail(f"{file}: the file is larger than 2 MB")
        try:
            charter = services.import_charter(
                file.read_bytes(), title, slug, author=author, publish_it=publish
            )
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            fail(f"{file}: {error.message}")
        state = "published" if publish else "draft"
        click.echo(f"Imported “{charter.title}” as /charters/{charter.slug}, version 1 ({state}).")

    @app.cli.command("demo")
    def demo_command():
        """Load the demo charter (does nothing when it is there already)."""
        from charter.demo.loader import load_demo

        charter = load_demo()
        if charter is None:
            click.echo("The demo charter is loaded already.")
        else:
            db.session.commit()
            click.echo(f"Loaded the demo charter at /charters/{charter.slug}.")

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

    @app.cli.command("has-data")
    def has_data_command():
        """Exit 0 when the database holds a charter, 1 when it is empty."""
        from charter.drafting.models import Charter

        raise click.exceptions.Exit(0 if db.session.scalar(sa.select(Charter.id).limit(1)) else 1)
