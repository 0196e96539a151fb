"""Guiding questions and themes: read a charter's questions and answer them; the secretariat
asks, edits, orders, opens and closes questions, and manages the themes."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField

from charter.accounts.forms import options
from charter.consultation import forms, manage, queries, services
from charter.consultation.models import GuidingQuestion
from charter.consultation.views import Rights, field_error, theme_filter
from charter.drafting import queries as drafting_queries
from charter.errors import DomainError
from charter.extensions import db
from charter.permissions import authorize, can, current_user_or_none, refusal
from charter.process import services as process_services

bp = Blueprint("questions", __name__)


def _stage_id(value: object) -> int | None:
    return None if value in ("", None) else int(value)  # type: ignore[arg-type]


class QuestionForm(FlaskForm):
    """A guiding question's text and the stage it belongs to (lengths checked by the service)."""

    text = TextAreaField(
        _l("Question"), description=_l("Markdown: **bold**, *italic*, [links](https://…).")
    )
    stage = SelectField(
        _l("Takes answers during"),
        coerce=_stage_id,
        validate_choice=False,  # the service says which stages may be chosen
        description=_l("Any stage that opens answers, or only the stage chosen here."),
    )

    def with_stages(self, stages) -> QuestionForm:
        self.stage.choices = options(
            [("", _("Any stage")), *((s.id, f"{s.position}. {s.name}") for s in stages)]
        )
        return self


class ThemeForm(FlaskForm):
    name = StringField(_l("Name"))


# Reading and answering --------------------------------------------------------------------


def _readable(slug: str):
    """The charter, for whoever may read it: someone who sees one of its versions (and the
    secretariat, who may prepare questions before the first version)."""
    authorize("read_published")
    charter = drafting_queries.charter_or_404(slug)
    user = current_user_or_none()
    if drafting_queries.latest_visible(charter, user) is None and not can(
        user, "manage_questions", charter
    ):
        abort(404)
    return charter


def _question_or_404(charter, question_id: int) -> GuidingQuestion:
    question = manage.question_or_none(charter, question_id)
    if question is None:
        abort(404)
    return question


def _why_not(user, question: GuidingQuestion) -> str | None:
    """Why a signed-in user may not answer, in their words; None when they may."""
    if user is None:
        return None
    return refusal(user, "answer_question", question) or services.why_closed(question)


@bp.get("/charters/<slug>/questions")
def index(slug: str):
    return _list_page(_readable(slug))


@bp.route("/charters/<slug>/questions/<int:question_id>", methods=["GET", "POST"])
def question(slug: str, question_id: int):
    charter = _readable(slug)
    question = _question_or_404(charter, question_id)
    user = current_user_or_none()
    themes = queries.themes_of(charter)
    form = forms.AnswerForm().with_themes(themes)
    status = 200
    if request.method == "POST":
        if user is None:
            abort(401)
        if form.validate_on_submit():
            try:
                answer = services.answer(
                    current_user, question, form.body.data, themes=form.themes.data or ()
                )
                db.session.commit()
            except DomainError as error:
                db.session.rollback()
                field_error(form, error)
                status = error.status
            else:
                flash(_("Your answer is published."), "success")
                return redirect(
                    url_for(".question", slug=slug, question_id=question.id)
                    + f"#comment-{answer.id}"
                )
        else:
            status = 422
    may_answer = can(user, "answer_question", question) and question.takes_answers()
    answers = queries.answers(question)
    return render_template(
        "consultation/question.html",
        charter=charter,
        question=question,
        threads=queries.threads(answers, theme_filter()),
        count=sum(1 for answer in answers if answer.live),
        themes=themes,
        theme=theme_filter(),
        form=form,
        confirm=forms.ConfirmForm(),
        rights=Rights.on(charter, may_answer),
        why_not=_why_not(user, question),
    ), status


# Managing questions -----------------------------------------------------------------------


def _question_form(question: GuidingQuestion, stages) -> QuestionForm:
    return QuestionForm(
        formdata=None,
        prefix=f"question-{question.id}",
        data={"text": question.text, "stage": question.stage_id},
    ).with_stages(stages)


def _list_page(charter, *, sent=None, error: str | None = None, status: int = 200):
    """The questions page; `sent` is the (key, form) the secretariat sent, shown as sent."""
    user = current_user_or_none()
    questions = manage.questions_of(charter)
    manager = can(user, "manage_questions", charter)
    new_form, edit_forms = None, {}
    if manager:
        stages = process_services.stages_of(charter)
        new_form = QuestionForm(formdata=None, prefix="new").with_stages(stages)
        edit_forms = {question.id: _question_form(question, stages) for question in questions}
        if sent is not None:
            key, form = sent
            form.with_stages(stages)
            if key == "new":
                new_form = form
            else:
                edit_forms[key] = form
    return render_template(
        "consultation/questions.html",
        charter=charter,
        questions=questions,
        counts=queries.answer_counts(charter),
        manager=manager,
        new_form=new_form,
        edit_forms=edit_forms,
        confirm=forms.ConfirmForm(),
        sent=sent[0] if sent else None,
        error=error,
    ), status


def _managed(slug: str, question_id: int | None = None):
    charter = drafting_queries.charter_or_404(slug)
    authorize("manage_questions", charter)
    if question_id is None:
        return charter, None
    return charter, _question_or_404(charter, question_id)


@bp.post("/charters/<slug>/questions")
@login_required
def create(slug: str):
    charter, _question = _managed(slug)
    form = QuestionForm(prefix="new")
    if not form.validate_on_submit():
        return _list_page(charter, sent=("new", form), status=422)
    try:
        question = manage.create_question(current_user, charter, form.text.data, form.stage.data)
    except DomainError as refused:
        db.session.rollback()
        field_error(form, refused, "text")
        return _list_page(charter, sent=("new", form), status=refused.status)
    db.session.commit()
    flash(_("The question is added."), "success")
    return redirect(url_for(".index", slug=slug, _anchor=f"question-{question.id}"))


@bp.post("/charters/<slug>/questions/<int:question_id>/edit")
@login_required
def edit(slug: str, question_id: int):
    charter, question = _managed(slug, question_id)
    form = QuestionForm(prefix=f"question-{question.id}")
    if not form.validate_on_submit():
        return _list_page(charter, sent=(question.id, form), status=422)
    try:
        changed = manage.edit_question(current_user, question, form.text.data, form.stage.data)
    except DomainError as refused:
        db.session.rollback()
        field_error(form, refused, "text")
        return _list_page(charter, sent=(question.id, form), status=refused.status)
    db.session.commit()
    if changed:
        flash(_("The question is saved."), "success")
    else:
        flash(_("Nothing changed."), "info")
    return redirect(url_for(".index", slug=slug, _anchor=f"question-{question.id}"))


@bp.post("/charters/<slug>/questions/<int:question_id>/up")
@login_required
def move_up(slug: str, question_id: int):
    return _move(slug, question_id, "up")


@bp.post("/charters/<slug>/questions/<int:question_id>/down")
@login_required
def move_down(slug: str, question_id: int):
    return _move(slug, question_id, "down")


def _move(slug: str, question_id: int, direction: str):
    charter, question = _managed(slug, question_id)
    if not forms.ConfirmForm().validate_on_submit():
        abort(400)
    try:
        manage.move_question(current_user, question, direction)
    except DomainError as refused:
        db.session.rollback()
        return _list_page(charter, error=refused.message, status=refused.status)
    db.session.commit()
    return redirect(url_for(".index", slug=slug, _anchor=f"question-{question.id}"))


@bp.post("/charters/<slug>/questions/<int:question_id>/open")
@login_required
def open_question(slug: str, question_id: int):
    return _set_open(slug, question_id, True, _("The question takes answers again."))


@bp.post("/charters/<slug>/questions/<int:question_id>/close")
@login_required
def close_question(slug: str, question_id: int):
    return _set_open(
        slug, question_id, False, _("The question is closed: it takes no more answers.")
    )


def _set_open(slug: str, question_id: int, open_: bool, done: str):
    _charter, question = _managed(slug, question_id)
    if not forms.ConfirmForm().validate_on_submit():
        abort(400)
    manage.set_question_open(current_user, question, open_)
    db.session.commit()
    flash(done, "success")
    return redirect(url_for(".index", slug=slug, _anchor=f"question-{question.id}"))


# Themes -----------------------------------------------------------------------------------


def _themes_page(charter, *, sent=None, error: str | None = None, status: int = 200):
    themes = queries.themes_of(charter)
    rename_forms = {
        theme.id: ThemeForm(formdata=None, prefix=f"theme-{theme.id}", data={"name": theme.name})
        for theme in themes
    }
    new_form = ThemeForm(formdata=None, prefix="new")
    if sent is not None:
        key, form = sent
        if key == "new":
            new_form = form
        else:
            rename_forms[key] = form
    return render_template(
        "consultation/themes.html",
        charter=charter,
        themes=themes,
        usage=manage.theme_usage(charter),
        new_form=new_form,
        rename_forms=rename_forms,
        confirm=forms.ConfirmForm(),
        sent=sent[0] if sent else None,
        error=error,
    ), status


def _theme_or_404(charter, theme_id: int):
    theme = manage.theme_or_none(charter, theme_id)
    if theme is None:
        abort(404)
    return theme


@bp.route("/charters/<slug>/themes", methods=["GET", "POST"])
@login_required
def themes(slug: str):
    """The secretariat's list of themes (usage counts include private amendments)."""
    charter = drafting_queries.charter_or_404(slug)
    authorize("manage_themes", charter)
    if request.method == "GET":
        return _themes_page(charter)
    form = ThemeForm(prefix="new")
    if not form.validate_on_submit():
        return _themes_page(charter, sent=("new", form), status=422)
    try:
        theme = manage.create_theme(current_user, charter, form.name.data)
    except DomainError as refused:
        db.session.rollback()
        field_error(form, refused, "name")
        return _themes_page(charter, sent=("new", form), status=refused.status)
    db.session.commit()
    flash(_("The theme “%(name)s” is added.", name=theme.name), "success")
    return redirect(url_for(".themes", slug=slug))


@bp.post("/charters/<slug>/themes/<int:theme_id>/rename")
@login_required
def rename_theme(slug: str, theme_id: int):
    charter = drafting_queries.charter_or_404(slug)
    authorize("manage_themes", charter)
    theme = _theme_or_404(charter, theme_id)
    form = ThemeForm(prefix=f"theme-{theme.id}")
    if not form.validate_on_submit():
        return _themes_page(charter, sent=(theme.id, form), status=422)
    try:
        changed = manage.rename_theme(current_user, theme, form.name.data)
    except DomainError as refused:
        db.session.rollback()
        field_error(form, refused, "name")
        return _themes_page(charter, sent=(theme.id, form), status=refused.status)
    db.session.commit()
    if changed:
        flash(_("The theme is renamed."), "success")
    else:
        flash(_("Nothing changed."), "info")
    return redirect(url_for(".themes", slug=slug, _anchor=f"theme-{theme.id}"))


@bp.post("/charters/<slug>/themes/<int:theme_id>/delete")
@login_required
def delete_theme(slug: str, theme_id: int):
    charter = drafting_queries.charter_or_404(slug)
    authorize("manage_themes", charter)
    theme = _theme_or_404(charter, theme_id)
    if not forms.ConfirmForm().validate_on_submit():
        abort(400)
    name = theme.name
    try:
        manage.delete_theme(current_user, theme)
    except DomainError as refused:
        db.session.rollback()
        return _themes_page(charter, error=refused.message, status=refused.status)
    db.session.commit()
    flash(_("The theme “%(name)s” is deleted.", name=name), "success")
    return redirect(url_for(".themes", slug=slug))
