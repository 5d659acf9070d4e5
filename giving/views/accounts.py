"""Pages for accounts: register, confirm an email, log in and out, reset or change a
password, change an email, and say where you live.

Links sent by email open a page with a button; only pressing it changes anything.
"""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from giving import services
from giving.extensions import db, limiter
from giving.forms import (
    ButtonForm,
    ChangeEmailForm,
    ChangePasswordForm,
    EmailOnlyForm,
    LoginForm,
    PostcodeForm,
    RegisterForm,
    ResetPasswordForm,
)
from giving.models import User
from giving.services.accounts import BadLink
from giving.transaction import button_action, form_action, say
from giving.views.home import bp
from giving.views.pages import confirm_page, fields_of, safe_next


def _login_failure_key() -> str:
    return "login-email:" + services.normalise_email(request.form.get("email", ""))


def _login_failed(response: Response) -> bool:
    return request.method == "POST" and response.status_code != 302


def _login_limit() -> str:
    return current_app.config["LOGIN_FAILURE_LIMIT"]


def _start_session(user: User) -> None:
    """A fresh session for ``user``: nothing from before carries over."""
    session.clear()
    login_user(user)


def _after_link() -> str:
    return url_for("giving.account" if current_user.is_authenticated else "giving.login")


@bp.errorhandler(BadLink)
def _link_problem(error: BadLink) -> tuple[str, int]:
    """A link from an email that cannot be used: say why, whether it was opened or posted."""
    db.session.rollback()
    return render_template("giving/link_problem.html", message=error.message), 400


@bp.route("/register", methods=["GET", "POST"])
def register() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("giving.account"))
    form = RegisterForm()
    done = form_action(
        form,
        lambda: services.register(
            db.session,
            postcode=form.postcode.data or None,
            **fields_of(form, "email", "name", "password"),
        ),
    )
    if done:
        _start_session(done.value)
        return redirect(url_for("giving.check_email"))
    return render_template("giving/register.html", form=form)


@bp.get("/register/check-email")
@login_required
def check_email() -> str:
    return render_template("giving/check_email.html", form=ButtonForm())


@bp.post("/register/resend")
@login_required
def resend_confirmation() -> Response:
    if not current_user.is_confirmed:
        button_action(
            lambda: services.send_confirmation(db.session, current_user),
            _("We have sent the email again."),
        )
    return redirect(url_for("giving.check_email"))


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm_email(token: str) -> str | Response:
    """The link in the confirmation email: a page with a button that confirms."""
    user = services.check_confirm_token(db.session, token)
    return confirm_page(
        lambda: services.confirm_email(db.session, token),
        _("Thank you, %(name)s. Your email is confirmed.", name=user.name),
        _after_link(),
        "giving/confirm_link.html",
        email=user.email,
        button=_("Confirm my email"),
    )


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    _login_limit, key_func=_login_failure_key, methods=["POST"], deduct_when=_login_failed
)
@limiter.limit("30 per 15 minutes", methods=["POST"], deduct_when=_login_failed)
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("giving.account"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(db.session, form.email.data, form.password.data)
        if user is None:
            form.form_errors.append(_("The email or password is not right"))
            form.password.errors = [*form.password.errors, _("Check your email and password")]
        else:
            services.record_login(db.session, user)
            _start_session(user)
            session.permanent = True
            return redirect(safe_next(request.args.get("next")) or url_for("giving.account"))
    return render_template("giving/login.html", form=form)


@bp.post("/logout")
def logout() -> Response:
    if current_user.is_authenticated and ButtonForm().validate_on_submit():
        services.end_sessions(db.session, current_user)
        logout_user()
        session.clear()
        say(_("You have logged out."))
    return redirect(url_for("giving.index"))


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password() -> str | Response:
    form = EmailOnlyForm()
    if form.validate_on_submit():
        services.request_password_reset(db.session, form.email.data)
        return render_template("giving/reset_sent.html", email=form.email.data)
    return render_template("giving/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> str | Response:
    services.check_reset_token(db.session, token)
    form = ResetPasswordForm()
    if form_action(form, lambda: services.reset_password(db.session, token, form.password.data)):
        logout_user()
        session.clear()
        say(_("Your password has changed. Log in with your new password."))
        return redirect(url_for("giving.login"))
    return render_template("giving/reset_password.html", form=form)


@bp.get("/account")
@login_required
def account() -> str:
    places = (
        services.places_for_postcode(db.session, current_user.postcode)
        if current_user.postcode
        else []
    )
    return render_template(
        "giving/account.html",
        places=places,
        groups=services.groups_for(db.session, current_user),
        staff_places=services.staff_places(db.session, current_user),
        residence=services.residence_of(db.session, current_user),
    )


@bp.route("/account/email", methods=["GET", "POST"])
@login_required
def change_email() -> str | Response:
    form = ChangeEmailForm()
    if form_action(
        form,
        lambda: services.request_email_change(
            db.session, current_user, form.email.data, form.password.data
        ),
    ):
        return render_template("giving/email_change_sent.html", email=form.email.data)
    return render_template("giving/change_email.html", form=form)


@bp.route("/account/email/confirm/<token>", methods=["GET", "POST"])
def confirm_email_change(token: str) -> str | Response:
    """The link sent to a new address: a page with a button that makes the change."""
    _user, new_email = services.check_email_change_token(db.session, token)
    return confirm_page(
        lambda: services.confirm_email_change(db.session, token),
        _("Your email has changed."),
        _after_link(),
        "giving/confirm_link.html",
        email=new_email,
        button=_("Confirm my email"),
    )


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> str | Response:
    form = ChangePasswordForm()
    if form_action(
        form,
        lambda: services.change_password(
            db.session, current_user, form.current_password.data, form.new_password.data
        ),
    ):
        # Other devices are logged out; keep this one in with a fresh session.
        _start_session(current_user._get_current_object())
        say(_("Your password has changed."))
        return redirect(url_for("giving.account"))
    return render_template("giving/change_password.html", form=form)


@bp.route("/account/postcode", methods=["GET", "POST"])
@login_required
def set_postcode() -> str | Response:
    form = PostcodeForm(postcode=current_user.postcode)
    if form_action(
        form,
        lambda: services.set_postcode(db.session, current_user, form.postcode.data),
        lambda places: _(
            "Saved. You live in %(places)s.", places=", ".join(p.name for p in places)
        ),
    ):
        return redirect(url_for("giving.account"))
    return render_template("giving/set_postcode.html", form=form)
