"""Migrations build the same schema as the models, on the engine under test."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from charter import create_app
from charter.extensions import db
from tests.conftest import ON_POSTGRES, TEST_DATABASE_URL, app_config


def empty_database(tmp_path) -> str:
    if not ON_POSTGRES:
        return f"sqlite:///{tmp_path / 'empty.db'}"
    admin = sa.create_engine(
        TEST_DATABASE_URL.replace("postgresql://", "postgresql+psycopg://", 1),
        isolation_level="AUTOCOMMIT",
    )
    with admin.connect() as connection:
        connection.execute(sa.text("DROP DATABASE IF EXISTS charter_migrations"))
        connection.execute(sa.text("CREATE DATABASE charter_migrations"))
    admin.dispose()
    return TEST_DATABASE_URL.rsplit("/", 1)[0] + "/charter_migrations"


def test_upgrade_on_an_empty_database_matches_the_models(tmp_path):
    app = create_app(app_config(empty_database(tmp_path)))
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert differences == []
