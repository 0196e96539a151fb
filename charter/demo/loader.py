"""Load the demo charter, its councils, consultation, accounts and amendments."""

from __future__ import annotations

import sqlalchemy as sa

from charter import demo, permissions
from charter.accounts import services as accounts
from charter.accounts.models import User
from charter.amendments import services as amendments
from charter.consultation import services as consultation
from charter.consultation.models import Comment, GuidingQuestion, Theme
from charter.drafting import merge, queries, services
from charter.drafting.models import Charter
from charter.extensions import db
from charter.process import services as process
from charter.text import rebase, sections
from charter.translating import services as translating


def load_demo() -> Charter | None:
    """Create the demo charter, councils, accounts, themes, guiding questions and sample
    amendments; None when it exists already."""
    if db.session.scalar(sa.select(Charter.id).where(Charter.slug == demo.SLUG)) is not None:
        return None
    charter = services.create_charter(demo.SLUG, demo.TITLE, demo.SUMMARY)
    previous: list[sections.Section] = []
    for spec in demo.VERSIONS:
        parsed = sections.split(demo.read(spec["file"]))
        current = sections.carry_keys(parsed, previous) if previous else parsed
        version = services.commit_version(
            charter,
            current,
            note=spec["note"],
            author=spec["author"],
            created_at=spec["created_at"],
        )
        if spec["published"]:
            services.publish(version, by=spec["author"], at=spec["created_at"])
        previous = current
    councils = {
        name: accounts.create_council(charter, name, description)
        for name, description in demo.COUNCILS
    }
    for email, name, role, organisation, country, region, council_names, password in demo.ACCOUNTS:
        if accounts.user_by_email(email) is None:
            accounts.create_user(
                email,
                role,
                password=password,
                display_name=name,
                organisation=organisation,
                country=country,
                region=region,
                councils=[councils[council] for council in council_names],
            )
    _stage_history(charter, _user("secretariat@demo.charter.example.org"))
    themes = {name: Theme(charter_id=charter.id, name=name) for name in demo.THEMES}
    questions = [
        GuidingQuestion(charter_id=charter.id, position=position, text=text, open=True)
        for position, text in enumerate(demo.GUIDING_QUESTIONS, start=1)
    ]
    db.session.add_all([*themes.values(), *questions])
    db.session.flush()
    _propose_amendments(charter, themes, questions)
    _consult(charter, themes, questions)
    _translate(charter)
    db.session.flush()
    return charter


def _stage_history(charter: Charter, secretariat: User) -> None:
    """The dated stages and the recorded moves that led to the Policy Council session."""
    for stage in process.stages_of(charter):
        stage.opens_at, stage.closes_at = demo.STAGE_DATES.get(stage.position, (None, None))
    for at, note in demo.STAGE_MOVES:
        process.advance(secretariat, charter, note, at=at)
    assert charter.stage_position == demo.STAGE_POSITION


def _propose_amendments(
    charter: Charter, themes: dict[str, Theme], questions: list[GuidingQuestion]
) -> None:
    """The sample amendments of demo.AMENDMENTS, through the services so the rules hold."""
    head = queries.head_version(charter)
    bodies = {section.key: section.body for section in queries.sections_of(head)}
    secretariat = _user("secretariat@demo.charter.example.org")
    to_merge = []
    for spec in demo.AMENDMENTS:
        body = bodies[spec["section"]]
        if spec["old"] not in body:
            raise ValueError(f"demo amendment: {spec['old']!r} is not in {spec['section']}")
        author = _user(spec["author"])
        if not permissions.can(author, "propose_amendment", charter):
            continue  # an account that existed before the demo, outside its councils
        amendment = amendments.propose(
            author,
            charter,
            head.number,
            [
                rebase.Operation(
                    "modify", spec["section"], text=body.replace(spec["old"], spec["new"])
                )
            ],
            justification=spec["justification"],
            themes=[themes[name] for name in spec["themes"]],
            questions=[questions[index] for index in spec["questions"]],
            submit=spec["state"] != "draft",
        )
        for cosigner in map(_user, spec["cosigners"]):
            if permissions.can(cosigner, "endorse_amendment", amendment):
                amendments.endorse(cosigner, amendment)
        if spec["state"] in ("accepted", "rejected", "merged"):
            amendments.review(secretariat, amendment, spec["state"] != "rejected", spec["reason"])
        elif spec["state"] == "withdrawn":
            amendments.withdraw(author, amendment, spec["reason"])
        if spec["state"] == "merged":
            to_merge.append(amendment.number)
    for number, (note, published) in zip(to_merge, demo.MERGES, strict=False):
        version = merge.merge_amendments(
            secretariat,
            charter,
            [number],
            resolutions={},
            note=note,
            expected_head=queries.head_version(charter).number,
        )
        if published:
            merge.publish(secretariat, version)


def _consult(charter: Charter, themes: dict[str, Theme], questions: list[GuidingQuestion]) -> None:
    """demo.CONSULTATION through the services, dated as in the consultation; on the text
    the public reads."""
    version = queries.latest_visible(charter, None)
    secretariat = _user("secretariat@demo.charter.example.org")
    made: list[Comment | None] = []
    for entry in demo.CONSULTATION:
        author = _user(entry["author"])
        theme_ids = [themes[name].id for name in entry.get("themes", ())]
        if not permissions.can(author, "comment", charter):
            made.append(None)  # an account that existed before the demo, with another role
            continue
        if "reply_to" in entry:
            parent = made[entry["reply_to"]]
            comment = consultation.reply_to(author, parent, entry["body"]) if parent else None
        elif "question" in entry:
            question = questions[entry["question"]]
            comment = consultation.answer(author, question, entry["body"], themes=theme_ids)
        else:
            comment = consultation.comment_on_section(
                author,
                charter,
                version,
                entry["section"],
                entry["body"],
                themes=theme_ids,
                quote=entry.get("quote", ""),
            )
        made.append(comment)
        if comment is None:
            continue
        comment.created_at = entry["at"]
        db.session.flush()
        if "flag" in entry:
            flagger, reason = entry["flag"]
            consultation.flag(_user(flagger), comment, reason)
        if "hidden" in entry:
            consultation.hide(secretariat, comment, entry["hidden"])


def _translate(charter: Charter) -> None:
    """demo.translations through the service, each made for the version of its source file
    (so the Spanish sections made from version 2 read as outdated in later ones)."""
    from charter.demo.translations import TRANSLATIONS

    secretariat = _user("secretariat@demo.charter.example.org")
    numbers = {spec["file"]: number for number, spec in enumerate(demo.VERSIONS, start=1)}
    for entry in TRANSLATIONS:
        version = queries.version_or_404(charter, numbers[entry["source"]], secretariat)
        key = next(
            section.key
            for section in queries.sections_of(version)
            if section.heading == entry["source_heading"]
        )
        translating.translate_section(
            secretariat,
            charter,
            version,
            entry["language"],
            key,
            heading=entry["heading"],
            body=entry["body"],
        )


def _user(email: str) -> User:
    user = accounts.user_by_email(email)
    if user is None:
        raise LookupError(f"demo account missing: {email}")
    return user


def demo_accounts() -> list[tuple[str, str, str]]:
    """(role, e-mail, password) of the demo accounts that exist."""
    emails = {email for email, *_rest in demo.ACCOUNTS}
    present = set(db.session.scalars(sa.select(User.email).where(User.email.in_(emails))))
    return [
        (role, email, password)
        for email, _name, role, *_rest, password in demo.ACCOUNTS
        if email in present
    ]
