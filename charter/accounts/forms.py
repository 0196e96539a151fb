"""Forms of the account pages; every one carries a CSRF token."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget


def options(pairs) -> list[SelectChoice]:
    """Select options from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def languages() -> list[SelectChoice]:
    from charter.i18n import NAMES

    return options([("", _l("As my browser asks")), *NAMES.items()])


def role_labels() -> list[tuple[str, str]]:
    return [
        ("partner", _l("Partner")),
        ("sherpa", _l("Sherpa")),
        ("advisor", _l("Advisor")),
        ("secretariat", _l("Secretariat")),
        ("admin", _l("Administrator")),
    ]


def role_choices() -> list[SelectChoice]:
    return options(role_labels())


class CheckboxList(SelectMultipleField):
    """Several choices as checkboxes (usable without JavaScript)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])
    remember = BooleanField(_l("Remember me"))


class CodeForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=32)],
        description=_l("The six digits your authenticator app shows, or a recovery code."),
    )


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(max=1024)],
        description=_l("At least 10 characters; a short sentence is easy to remember."),
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )


class AcceptInvitationForm(NewPasswordForm):
    display_name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120)])


class ResetRequestForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])


class ProfileForm(FlaskForm):
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    organisation = StringField(_l("Organisation"), validators=[Optional(), Length(max=200)])
    country = StringField(_l("Country"), validators=[Optional(), Length(max=100)])
    region = StringField(_l("Region"), validators=[Optional(), Length(max=100)])
    language = SelectField(_l("Language"), choices=languages)


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])


class InviteForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    display_name = StringField(_l("Name"), validators=[Optional(), Length(max=120)])
    role = SelectField(_l("Role"), choices=role_choices)
    councils = CheckboxList(_l("Policy Councils"), coerce=int, validate_choice=True)


class UserForm(FlaskForm):
    role = SelectField(_l("Role"), choices=role_choices)
    councils = CheckboxList(_l("Policy Councils"), coerce=int, validate_choice=True)
    active = BooleanField(_l("Active (may sign in)"))
    translator = BooleanField(_l("Translator (may translate charter texts)"))


class CouncilForm(FlaskForm):
    charter_id = SelectField(_l("Charter"), coerce=int)
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])


class ConfirmForm(FlaskForm):
    """An empty form: the CSRF token of a POST-only button."""
