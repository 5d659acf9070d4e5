"""Pages for accounts: register, confirm an email, log in and out, reset or change a
password, change an email, and say where you live.

Links sent by email open a page with a button; only pressing it changes anything.
"""

from __future__ import annotations

from flask import redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from giving import services, throttles
from giving.extensions import db, limiter
from giving.forms import (
    ButtonForm,
    ChangeEmailForm,
    ChangePasswordForm,
    EmailOnlyForm,
    LoginForm,
    PostcodeForm,
    RegisterForm,
    ResendForm,
    ResetPasswordForm,
)
from giving.forms.reminders import OFF, ON, RemindersForm
from giving.languages import current_language
from giving.models import User
from giving.services.accounts import BadLink
from giving.services.accounts import resend_confirmation as resend_confirmation_email
from giving.services.reminders import set_reminders
from giving.transaction import form_action, say
from giving.views.home import bp
from giving.views.pages import confirm_page, fields_of, safe_next

# The address typed to register, kept to show on the "check your email" page.
_CHECK_EMAIL = "check_email"


def _start_session(user: User) -> None:
    """A fresh session for ``user``: nothing from before carries over."""
    session.clear()
    login_user(user)


def _after_link() -> str:
    return url_for("giving.account" if current_user.is_authenticated else "giving.login")


# Every form that emails an address typed into it shares one limit per client.
_sends_email = limiter.shared_limit(
    throttles.email_request_limit,
    scope="email-requests",
    key_func=throttles.client_address,
    methods=["POST"],
    on_breach=throttles.too_many_emails,
)


@bp.errorhandler(BadLink)
def _link_problem(error: BadLink) -> tuple[str, int]:
    """A link from an email that cannot be used: say why, whether it was opened or posted."""
    db.session.rollback()
    return render_template("giving/link_problem.html", message=error.message), 400


@bp.route("/register", methods=["GET", "POST"])
@_sends_email
def register() -> str | Response:
    """The same answer whether or not the email already has an account: no one is logged in
    here, and the email sent says what happened."""
    if current_user.is_authenticated:
        return redirect(url_for("giving.tasks"))
    form = RegisterForm()
    if form_action(
        form,
        lambda: services.register(
            db.session,
            postcode=form.postcode.data or None,
            locale=current_language(),
            **fields_of(form, "email", "name", "password"),
        ),
    ):
        session[_CHECK_EMAIL] = form.email.data.strip()
        return redirect(url_for("giving.check_email"))
    return render_template("giving/register.html", form=form)


def _email_to_check() -> str | None:
    """The address last typed to register or to have the email sent again, else the logged-in
    person's own."""
    if session.get(_CHECK_EMAIL):
        return session[_CHECK_EMAIL]
    return current_user.email if current_user.is_authenticated else None


@bp.get("/register/check-email")
def check_email() -> str:
    email = _email_to_check()
    return render_template("giving/check_email.html", form=ResendForm(email=email), email=email)


@bp.post("/register/resend")
@_sends_email
def resend_confirmation() -> str | Response:
    """Send the email again to the address typed; the same answer whatever is typed."""
    form = ResendForm()
    if form_action(
        form,
        lambda: resend_confirmation_email(db.session, form.email.data),
        _("We have sent another email."),
    ):
        session[_CHECK_EMAIL] = form.email.data.strip()
        return redirect(url_for("giving.check_email"))
    return render_template("giving/check_email.html", form=form, email=_email_to_check())


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm_email(token: str) -> str | Response:
    """The link in the confirmation email: a page with a button that confirms. Confirming
    logs the person in, as the link shows the email is theirs; a link already used logs no
    one in."""
    user = services.check_confirm_token(db.session, token)
    form = ButtonForm()
    done = form_action(form, lambda: services.confirm_email(db.session, token))
    if not done or done.value is None:
        return render_template(
            "giving/confirm_link.html",
            form=form,
            email=user.email,
            button=_("Confirm my email"),
        )
    user, newly_confirmed = done.value
    if newly_confirmed:
        _start_session(user)
        session.permanent = True
    say(_("Thank you, %(name)s. Your email is confirmed.", name=user.name))
    return redirect(_after_link())


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    throttles.login_account_limit,
    key_func=throttles.login_account_key,
    methods=["POST"],
    deduct_when=throttles.failed_post,
)
@limiter.limit(
    throttles.login_client_limit,
    key_func=throttles.login_client_key,
    methods=["POST"],
    deduct_when=throttles.failed_post,
)
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("giving.tasks"))
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
            return redirect(safe_next(request.args.get("next")) or url_for("giving.tasks"))
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
@_sends_email
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


@bp.route("/account/reminders", methods=["GET", "POST"])
@login_required
def reminder_settings() -> str | Response:
    form = RemindersForm()
    if not form.is_submitted():
        form.reminders.data = ON if current_user.reminders_on else OFF
    if form_action(
        form,
        lambda: set_reminders(db.session, current_user, form.turned_on),
        lambda _none: _("Reminders are on.") if form.turned_on else _("Reminders are off."),
    ):
        return redirect(url_for("giving.account"))
    return render_template("giving/reminder_settings.html", form=form)
