"""Pages for accounts, places and groups. Views parse, call one service, then render."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from giving import services
from giving.extensions import db, limiter
from giving.forms import (
    ButtonForm,
    ChangeEmailForm,
    ChangePasswordForm,
    EmailOnlyForm,
    GroupForm,
    LoginForm,
    MemberForm,
    PlaceForm,
    PostcodeAreaForm,
    PostcodeForm,
    RegisterForm,
    ResetPasswordForm,
    RoleForm,
    WardForm,
)
from giving.jobs import commit
from giving.models import AuditEntry, Group, GroupMember, Place, PostcodeArea, Role, RoleGrant
from giving.pagination import paginate
from giving.services import DomainError
from giving.transaction import button_action, say, show_error
from giving.views.access import place_role_required

bp = Blueprint("giving", __name__)

STAFF = (Role.FUND_MANAGER, Role.ADMIN)


def _safe_next(target: str | None) -> str | None:
    """Only paths on this site, so a log-in link cannot send people elsewhere."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def _login_failure_key() -> str:
    return "login-email:" + services.normalise_email(request.form.get("email", ""))


def _login_failed(response: Response) -> bool:
    return request.method == "POST" and response.status_code != 302


def _login_limit() -> str:
    return current_app.config["LOGIN_FAILURE_LIMIT"]


# --- Home and fixed pages --------------------------------------------------------------------


@bp.get("/")
def index() -> str:
    places = db.session.scalars(select(Place).order_by(Place.name)).all()
    return render_template("giving/index.html", places=places)


@bp.get("/accessibility")
def accessibility() -> str:
    return render_template("giving/accessibility.html")


@bp.get("/privacy")
def privacy() -> str:
    return render_template("giving/privacy.html")


# --- Accounts --------------------------------------------------------------------------------


@bp.route("/register", methods=["GET", "POST"])
def register() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("giving.account"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = services.register(
                db.session,
                email=form.email.data,
                name=form.name.data,
                password=form.password.data,
                postcode=form.postcode.data or None,
            )
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            session.clear()
            login_user(user)
            return redirect(url_for("giving.check_email"))
    return render_template("giving/register.html", form=form)


@bp.get("/register/check-email")
@login_required
def check_email() -> str:
    return render_template("giving/check_email.html", form=ButtonForm())


@bp.post("/register/resend")
@login_required
def resend_confirmation() -> Response:
    if ButtonForm().validate_on_submit() and not current_user.is_confirmed:
        services.send_confirmation(db.session, current_user)
        commit()
        say(_("We have sent the email again."))
    return redirect(url_for("giving.check_email"))


@bp.get("/confirm/<token>")
def confirm_email(token: str) -> str | Response:
    try:
        user = services.confirm_email(db.session, token)
    except DomainError as error:
        db.session.rollback()
        return render_template("giving/link_problem.html", message=error.message), 400
    commit()
    say(_("Thank you, %(name)s. Your email is confirmed.", name=user.name))
    return redirect(url_for("giving.account" if current_user.is_authenticated else "giving.login"))


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
            commit()
            # A fresh session at log in: nothing from before carries over.
            session.clear()
            login_user(user)
            session.permanent = True
            return redirect(_safe_next(request.args.get("next")) or url_for("giving.account"))
    return render_template("giving/login.html", form=form)


@bp.post("/logout")
def logout() -> Response:
    if current_user.is_authenticated and ButtonForm().validate_on_submit():
        services.end_sessions(db.session, current_user)
        commit()
        logout_user()
        session.clear()
        say(_("You have logged out."))
    return redirect(url_for("giving.index"))


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password() -> str | Response:
    form = EmailOnlyForm()
    if form.validate_on_submit():
        services.request_password_reset(db.session, form.email.data)
        commit()
        return render_template("giving/reset_sent.html", email=form.email.data)
    return render_template("giving/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> str | Response:
    try:
        services.check_reset_token(db.session, token)
    except DomainError as error:
        return render_template("giving/link_problem.html", message=error.message), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(db.session, token, form.password.data)
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
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
    )


@bp.route("/account/email", methods=["GET", "POST"])
@login_required
def change_email() -> str | Response:
    form = ChangeEmailForm()
    if form.validate_on_submit():
        try:
            services.request_email_change(
                db.session, current_user, form.email.data, form.password.data
            )
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            return render_template("giving/email_change_sent.html", email=form.email.data)
    return render_template("giving/change_email.html", form=form)


@bp.get("/account/email/confirm/<token>")
def confirm_email_change(token: str) -> str | Response:
    try:
        services.confirm_email_change(db.session, token)
    except DomainError as error:
        db.session.rollback()
        return render_template("giving/link_problem.html", message=error.message), 400
    commit()
    say(_("Your email has changed."))
    return redirect(url_for("giving.account" if current_user.is_authenticated else "giving.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> str | Response:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(
                db.session, current_user, form.current_password.data, form.new_password.data
            )
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            # Other devices are logged out; keep this one in with a fresh session.
            user = current_user._get_current_object()
            session.clear()
            login_user(user)
            say(_("Your password has changed."))
            return redirect(url_for("giving.account"))
    return render_template("giving/change_password.html", form=form)


@bp.route("/account/postcode", methods=["GET", "POST"])
@login_required
def set_postcode() -> str | Response:
    form = PostcodeForm(postcode=current_user.postcode)
    if form.validate_on_submit():
        try:
            places = services.set_postcode(db.session, current_user, form.postcode.data)
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            say(
                _(
                    "Saved. You live in %(places)s.",
                    places=", ".join(p.name for p in places),
                )
            )
            return redirect(url_for("giving.account"))
    return render_template("giving/set_postcode.html", form=form)


# --- Places ----------------------------------------------------------------------------------


def _place_or_404(slug: str) -> Place:
    place = db.session.scalar(select(Place).where(Place.slug == slug))
    if place is None:
        abort(404)
    return place


@bp.get("/places")
def places() -> str:
    items = db.session.scalars(select(Place).order_by(Place.name)).all()
    return render_template("giving/places.html", places=items)


@bp.route("/places/new", methods=["GET", "POST"])
@login_required
def new_place() -> str | Response:
    if not current_user.is_site_admin:
        abort(403)
    form = PlaceForm()
    if form.validate_on_submit():
        try:
            place = services.create_place(
                db.session, current_user, form.name.data, form.description.data
            )
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            say(_("%(name)s has been added. Now add its wards and postcodes.", name=place.name))
            return redirect(url_for("giving.manage_place", place_slug=place.slug))
    return render_template("giving/new_place.html", form=form)


@bp.get("/places/<slug>")
def place(slug: str) -> str:
    place = _place_or_404(slug)
    roles = services.roles_for(db.session, current_user, place)
    return render_template(
        "giving/place.html",
        place=place,
        roles=roles,
        is_staff=services.is_staff(db.session, current_user, place),
    )


@bp.route("/places/<place_slug>/manage", methods=["GET", "POST"])
@login_required
@place_role_required(*STAFF)
def manage_place(place: Place) -> str | Response:
    ward_form = WardForm(prefix="ward")
    area_form = PostcodeAreaForm(prefix="area")
    area_form.set_wards(place.wards)
    if request.method == "POST":
        action = request.form.get("action")
        form = ward_form if action == "ward" else area_form
        if form.validate_on_submit():
            try:
                if form is ward_form:
                    services.add_ward(db.session, current_user, place, ward_form.name.data)
                    message = _("Ward added.")
                else:
                    ward = next((w for w in place.wards if str(w.id) == area_form.ward.data), None)
                    services.add_postcode_area(
                        db.session, current_user, place, area_form.prefix.data, ward
                    )
                    message = _("Postcodes added.")
            except DomainError as error:
                show_error(form, error)
            else:
                commit()
                say(message)
                return redirect(url_for("giving.manage_place", place_slug=place.slug))
    return render_template(
        "giving/manage_place.html",
        place=place,
        ward_form=ward_form,
        area_form=area_form,
        button=ButtonForm(),
    )


@bp.post("/places/<place_slug>/postcodes/<int:area_id>/remove")
@login_required
@place_role_required(*STAFF)
def remove_postcode_area(place: Place, area_id: int) -> Response:
    area = db.session.get(PostcodeArea, area_id)
    if area is None or area.place_id != place.id:
        abort(404)
    if ButtonForm().validate_on_submit():
        services.remove_postcode_area(db.session, current_user, area)
        commit()
        say(_("Postcodes %(p)s removed.", p=area.prefix))
    return redirect(url_for("giving.manage_place", place_slug=place.slug))


@bp.route("/places/<place_slug>/team", methods=["GET", "POST"])
@login_required
@place_role_required(Role.ADMIN)
def place_team(place: Place) -> str | Response:
    form = RoleForm()
    if form.validate_on_submit():
        try:
            grant = services.grant_role(
                db.session, current_user, place, form.email.data, Role(form.role.data)
            )
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            say(_("%(name)s is now a %(role)s.", name=grant.user.name, role=grant.role.label))
            return redirect(url_for("giving.place_team", place_slug=place.slug))
    grants = db.session.scalars(
        select(RoleGrant).where(RoleGrant.place_id == place.id).order_by(RoleGrant.role)
    ).all()
    return render_template(
        "giving/place_team.html", place=place, form=form, grants=grants, button=ButtonForm()
    )


@bp.post("/places/<place_slug>/team/<int:grant_id>/remove")
@login_required
@place_role_required(Role.ADMIN)
def revoke_role(place: Place, grant_id: int) -> Response:
    grant = db.session.get(RoleGrant, grant_id)
    if grant is None or grant.place_id != place.id:
        abort(404)
    button_action(lambda: services.revoke_role(db.session, current_user, grant), _("Role removed."))
    return redirect(url_for("giving.place_team", place_slug=place.slug))


@bp.get("/places/<place_slug>/audit")
@login_required
@place_role_required(*STAFF)
def audit_log(place: Place) -> str:
    stmt = (
        select(AuditEntry)
        .where(AuditEntry.place_id == place.id)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    )
    page = paginate(stmt)
    return render_template("giving/audit_log.html", place=place, page=page)


# --- Groups ----------------------------------------------------------------------------------


def _group_for(group_id: int, may: str = "see") -> Group:
    group = db.session.get(Group, group_id)
    if group is None:
        abort(404)
    check = services.can_see_group_private if may == "see" else services.can_manage_members
    if not check(db.session, current_user, group):
        abort(403)
    return group


@bp.get("/groups")
@login_required
def my_groups() -> str:
    return render_template(
        "giving/groups.html", groups=services.groups_for(db.session, current_user)
    )


@bp.route("/groups/new", methods=["GET", "POST"])
@login_required
def new_group() -> str | Response:
    if not current_user.is_confirmed:
        flash(_("Confirm your email before you add a group."), "error")
        return redirect(url_for("giving.check_email"))
    form = GroupForm()
    form.set_places(db.session.scalars(select(Place).order_by(Place.name)).all())
    if form.validate_on_submit():
        place = _place_or_404(form.place.data)
        try:
            group = services.create_group(db.session, current_user, place, **form.group_fields())
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            say(_("%(name)s has been added.", name=group.name))
            return redirect(url_for("giving.group", group_id=group.id))
    return render_template("giving/group_form.html", form=form, group=None)


@bp.get("/groups/<int:group_id>")
@login_required
def group(group_id: int) -> str:
    group = _group_for(group_id)
    return render_template(
        "giving/group.html",
        group=group,
        org_id=group.org_id(current_app.config["THREESIXTYGIVING_PREFIX"]),
        can_manage=services.can_manage_members(db.session, current_user, group),
        member_form=MemberForm(),
        button=ButtonForm(),
    )


@bp.route("/groups/<int:group_id>/edit", methods=["GET", "POST"])
@login_required
def edit_group(group_id: int) -> str | Response:
    group = _group_for(group_id)
    form = GroupForm(obj=group, place=group.place.slug)
    form.set_places([group.place])
    if form.validate_on_submit():
        try:
            services.update_group(db.session, current_user, group, **form.group_fields())
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            say(_("Your group's profile is saved."))
            return redirect(url_for("giving.group", group_id=group.id))
    return render_template("giving/group_form.html", form=form, group=group)


@bp.post("/groups/<int:group_id>/members")
@login_required
def add_member(group_id: int) -> str | Response:
    group = _group_for(group_id, may="manage")
    form = MemberForm()
    if form.validate_on_submit():
        try:
            member = services.add_group_member(db.session, current_user, group, form.email.data)
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            say(_("%(name)s has been added to the group.", name=member.user.name))
            return redirect(url_for("giving.group", group_id=group.id))
    return render_template(
        "giving/group.html",
        group=group,
        org_id=group.org_id(current_app.config["THREESIXTYGIVING_PREFIX"]),
        can_manage=True,
        member_form=form,
        button=ButtonForm(),
    ), 400


@bp.post("/groups/<int:group_id>/members/<int:member_id>/remove")
@login_required
def remove_member(group_id: int, member_id: int) -> Response:
    group = _group_for(group_id, may="manage")
    member = db.session.get(GroupMember, member_id)
    if member is None or member.group_id != group.id:
        abort(404)
    button_action(
        lambda: services.remove_group_member(db.session, current_user, member),
        _("Member removed."),
    )
    return redirect(url_for("giving.group", group_id=group.id))
