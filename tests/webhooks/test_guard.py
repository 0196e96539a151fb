"""Webhooks never reach the site's own network: refused addresses, by default."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from charter import config, create_app
from charter.extensions import db
from charter.webhooks import guard, services
from charter.webhooks.models import Webhook
from tests.conftest import app_config


@pytest.fixture(scope="module")
def strict_app():
    """An app of the default configuration (no private addresses), without a database:
    the guard alone is asked."""
    return create_app(app_config("sqlite://", SITE_URL="https://charter.example.org"))


@pytest.fixture
def strict(strict_app):
    with strict_app.app_context():
        yield strict_app


def test_private_addresses_are_refused_by_default(strict):
    assert config.DEFAULTS["WEBHOOK_ALLOW_PRIVATE"] is False
    assert strict.config["WEBHOOK_ALLOW_PRIVATE"] is False
    with pytest.raises(guard.Refused):
        guard.destination("http://127.0.0.1:8080/hook")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.1/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[::ffff:10.0.0.1]/hook",
        "http://2130706433/hook",  # 127.0.0.1 written as a number
        "http://100.64.0.1/hook",
        "http://224.0.0.1/hook",
        "http://0.0.0.0/hook",
    ],
)
def test_a_private_address_is_refused(strict, url):
    with pytest.raises(guard.Refused, match="private or reserved network"):
        guard.destination(url)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("file:///etc/passwd", "must start with https://"),
        ("ftp://example.org/hook", "must start with https://"),
        ("gopher://93.184.215.14/", "must start with https://"),
        ("https://user:secret@93.184.215.14/hook", "no user name or password"),
        ("https:///hook", "no host name"),
        ("https://93.184.215.14:99999/hook", "not a valid address"),
        ("https://charter.example.org/hook", "this site itself"),
        ("https://CHARTER.example.org./hook", "this site itself"),
    ],
)
def test_other_addresses_that_are_not_a_public_server_are_refused(strict, url, message):
    with pytest.raises(guard.Refused, match=message):
        guard.destination(url)


def test_the_secretariat_cannot_add_a_webhook_to_a_private_address(world, app):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = False
    with pytest.raises(guard.Refused, match="private or reserved network"):
        services.create(world.secretariat, world.charter, "http://10.0.0.7/", ["stage.changed"])
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Webhook.id))) == 0


def test_the_scheme_is_checked_even_when_private_addresses_are_allowed(world):
    with pytest.raises(guard.Refused, match="must start with https://"):
        services.create(world.secretariat, world.charter, "file:///etc/passwd", ["stage.changed"])


def test_a_public_address_is_accepted(world, app):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = False
    webhook = services.create(
        world.secretariat, world.charter, " https://93.184.215.14/hook ", ["stage.changed"]
    )
    assert webhook.url == "https://93.184.215.14/hook"
    assert len(webhook.secret) == 64
