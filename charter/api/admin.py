"""Administration through the API: people's roles and councils, invitations, Policy Councils.
The same policy as the admin pages (manage_users, manage_councils) and the same services."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import gettext as _

from charter import mail
from charter.accounts import services
from charter.accounts.models import Council, Invitation, User
from charter.api.core import caller, operation
from charter.api.manage import WRITE
from charter.api.manage_models import (
    CouncilBody,
    CouncilEditBody,
    CouncilResult,
    InvitationBody,
    InvitationResult,
    UserEditBody,
    UserResult,
)
from charter.drafting.models import Charter
from charter.errors import InvalidInput
from charter.extensions import db
from charter.permissions import authorize


def _councils(ids: Sequence[int]) -> list[Council]:
    """The councils with these ids; an unknown one is refused, as the page's choices do."""
    wanted = set(ids)
    found = list(db.session.scalars(sa.select(Council).where(Council.id.in_(wanted))))
    if len(found) != len(wanted):
        raise InvalidInput(_("Choose existing Policy Councils."), field="councils")
    return found


# People -----------------------------------------------------------------------------------


def _user(person: User) -> UserResult:
    return UserResult(
        id=person.id,
        email=person.email,
        display_name=person.display_name,
        role=person.role,
        councils=sorted(council.id for council in person.councils),
        active=person.active,
        translator=person.translator,
        url=url_for("admin.user", user_id=person.id, _external=True),
    )


@operation(
    "GET",
    "/users/<int:user_id>",
    summary="Someone's account: role, councils, active and translator flags",
    response=UserResult,
    errors=(401, 403, 404),
    tags=("administration",),
)
def user(user_id: int):
    authorize("manage_users")
    return _user(db.get_or_404(User, user_id))


@operation(
    "PATCH",
    "/users/<int:user_id>",
    summary="Change someone's role, councils, active or translator flag",
    body=UserEditBody,
    response=UserResult,
    errors=WRITE,
    tags=("administration",),
)
def edit_user(user_id: int, body: UserEditBody):
    """Only administrators give, take or change the role admin; no one changes their own
    role or deactivates themselves (409)."""
    authorize("manage_users")
    person = db.get_or_404(User, user_id)
    services.update_user(
        caller(),
        person,
        role=body.role if body.role is not None else person.role,
        councils=_councils(body.councils) if body.councils is not None else person.councils,
        active=body.active if body.active is not None else person.active,
        translator=body.translator,
    )
    db.session.commit()
    return _user(person)


# Invitations ------------------------------------------------------------------------------


def _invitation(invitation: Invitation, **sent: object) -> InvitationResult:
    if invitation.accepted_at is not None:
        state = "accepted"
    elif invitation.revoked_at is not None:
        state = "revoked"
    else:
        state = "expired" if invitation.expired else "pending"
    return InvitationResult(
        id=invitation.id,
        email=invitation.email,
        role=invitation.role,
        councils=sorted(council.id for council in invitation.councils),
        state=state,
        expires_at=invitation.expires_at,
        **sent,
    )


@operation(
    "POST",
    "/invitations",
    summary="Invite someone by e-mail, with a role and councils",
    body=InvitationBody,
    response=InvitationResult,
    status=201,
    errors=WRITE,
    tags=("administration",),
)
def create_invitation(body: InvitationBody):
    """The e-mail goes out once the invitation is saved; when it cannot be sent, the answer
    holds the link to pass on (`link`), as the page shows it."""
    authorize("manage_users")
    invitation, token = services.invite(
        caller(), body.email, body.role, _councils(body.councils), body.display_name
    )
    db.session.commit()
    try:
        services.send_invitation(invitation, token)
    except mail.DeliveryError:
        current_app.logger.exception("Could not e-mail an invitation")
        link = url_for("accounts.accept_invitation", token=token, _external=True)
        return _invitation(invitation, mailed=False, link=link)
    return _invitation(invitation, mailed=True)


@operation(
    "POST",
    "/invitations/<int:invitation_id>/revoke",
    summary="Cancel a pending invitation: its link stops working",
    response=InvitationResult,
    errors=WRITE,
    tags=("administration",),
)
def revoke_invitation(invitation_id: int):
    authorize("manage_users")
    invitation = db.get_or_404(Invitation, invitation_id)
    services.revoke_invitation(invitation, actor=caller())
    db.session.commit()
    return _invitation(invitation)


# Policy Councils --------------------------------------------------------------------------


def _council(council: Council) -> CouncilResult:
    return CouncilResult(
        id=council.id,
        charter=council.charter.slug,
        name=council.name,
        description=council.description,
    )


@operation(
    "POST",
    "/councils",
    summary="Create a Policy Council of a charter",
    body=CouncilBody,
    response=CouncilResult,
    status=201,
    errors=WRITE,
    tags=("administration",),
)
def create_council(body: CouncilBody):
    authorize("manage_councils")
    charter = db.session.scalar(sa.select(Charter).where(Charter.slug == body.charter))
    if charter is None:
        raise InvalidInput(_("There is no charter with this short name."), field="charter")
    council = services.create_council(charter, body.name, body.description, actor=caller())
    db.session.commit()
    return _council(council)


@operation(
    "PATCH",
    "/councils/<int:council_id>",
    summary="Rename a Policy Council or change its description",
    body=CouncilEditBody,
    response=CouncilResult,
    errors=WRITE,
    tags=("administration",),
)
def edit_council(council_id: int, body: CouncilEditBody):
    authorize("manage_councils")
    council = db.get_or_404(Council, council_id)
    services.update_council(
        council,
        body.name if body.name is not None else council.name,
        body.description if body.description is not None else council.description,
        actor=caller(),
    )
    db.session.commit()
    return _council(council)
