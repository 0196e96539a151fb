"""Personal API tokens: made on the account page or the command line, shown once, revoked."""

import hashlib
import re

import sqlalchemy as sa

from charter.api.models import ApiToken
from charter.extensions import db
from tests.api.conftest import bearer
from tests.factories import make_charter, make_user, make_version

DRAFT = "/api/v1/charters/cities"  # only those who may read drafts see it


def draft_charter() -> None:
    make_version(make_charter("cities"), publish=False)


def test_a_token_made_on_the_account_page_is_shown_once_and_works(app, client, login_as):
    draft_charter()
    login_as(make_user("secretariat"))
    assert "You have no active token." in client.get("/account").text
    created = client.post("/account/tokens", data={"token-name": "Council  bot"})
    assert created.status_code == 200 and created.headers["Cache-Control"] == "no-store"
    secret = re.search(r'id="new-token" type="text" value="(chr_[^"]+)"', created.text)[1]
    token = db.session.scalar(sa.select(ApiToken))
    assert token.name == "Council bot"
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()  # the secret is not kept
    later = client.get("/account").text
    assert secret not in later and f"{token.prefix}…" in later and "Council bot" in later
    assert app.test_client().get(DRAFT, headers=bearer(secret)).status_code == 200


def test_a_bad_token_name_is_kept_beside_its_message(client, login_as):
    login_as(make_user())
    empty = client.post("/account/tokens", data={"token-name": "   "})
    assert empty.status_code == 422 and "Name the token after what will use it." in empty.text
    name = "a script with a name far too long to tell apart from the others in a list " * 2
    long = client.post("/account/tokens", data={"token-name": name})
    assert long.status_code == 422 and "at most 80 characters" in long.text
    assert f'value="{name}"' in long.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0


def test_only_its_owner_revokes_a_token_and_then_it_stops_working(app, client, login_as, token_for):
    draft_charter()
    owner, other = make_user("secretariat"), make_user("secretariat")
    secret = token_for(owner, "deploy")
    token = db.session.scalar(sa.select(ApiToken))
    api = app.test_client()
    login_as(other)
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 404
    assert api.get(DRAFT, headers=bearer(secret)).status_code == 200
    login_as(owner)
    revoked = client.post(f"/account/tokens/{token.id}/revoke")
    assert revoked.status_code == 302 and revoked.headers["Location"].endswith("#api-tokens")
    page = client.get("/account").text
    assert "The token “deploy” is revoked" in page and "You have no active token." in page
    assert api.get(DRAFT, headers=bearer(secret)).status_code == 401


def test_the_command_line_prints_a_token_for_the_api(runner, client):
    draft_charter()
    make_user("secretariat", email="sofia@example.org")
    made = runner.invoke(args=["users", "token", "Sofia@example.org", "--name", "import job"])
    assert made.exit_code == 0, made.output
    secret = made.stdout.strip()
    assert secret.startswith("chr_") and "not shown again" in made.stderr
    assert client.get(DRAFT, headers=bearer(secret)).status_code == 200
    unknown = runner.invoke(args=["users", "token", "nobody@example.org"])
    assert unknown.exit_code == 2 and "no active account" in unknown.output
