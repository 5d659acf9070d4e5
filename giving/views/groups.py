"""Pages for groups: your groups, adding one, its profile and its members."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from giving import services
from giving.extensions import db
from giving.forms import ButtonForm, GroupForm, MemberForm
from giving.models import Group, GroupMember, Place
from giving.transaction import form_action
from giving.views.home import bp
from giving.views.lookups import child_or_404, group_for, place_or_404
from giving.views.pages import button_then


def _group_page(group: Group, member_form: MemberForm) -> str:
    return render_template(
        "giving/group.html",
        group=group,
        org_id=group.org_id(current_app.config["THREESIXTYGIVING_PREFIX"]),
        can_manage=services.can_manage_members(db.session, current_user, group),
        member_form=member_form,
        button=ButtonForm(),
    )


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
    done = form_action(
        form,
        lambda: services.create_group(
            db.session, current_user, place_or_404(form.place.data), **form.group_fields()
        ),
        lambda group: _("%(name)s has been added.", name=group.name),
    )
    if done:
        return redirect(url_for("giving.group", group_id=done.value.id))
    return render_template("giving/group_form.html", form=form, group=None)


@bp.get("/groups/<int:group_id>")
@login_required
def group(group_id: int) -> str:
    return _group_page(group_for(group_id), MemberForm())


@bp.route("/groups/<int:group_id>/edit", methods=["GET", "POST"])
@login_required
def edit_group(group_id: int) -> str | Response:
    group = group_for(group_id)
    form = GroupForm(obj=group, place=group.place.slug)
    form.set_places([group.place])
    if form_action(
        form,
        lambda: services.update_group(db.session, current_user, group, **form.group_fields()),
        _("Your group's profile is saved."),
    ):
        return redirect(url_for("giving.group", group_id=group.id))
    return render_template("giving/group_form.html", form=form, group=group)


@bp.post("/groups/<int:group_id>/members")
@login_required
def add_member(group_id: int) -> str | Response | tuple[str, int]:
    group = group_for(group_id, may="manage")
    form = MemberForm()
    if form_action(
        form,
        lambda: services.add_group_member(db.session, current_user, group, form.email.data),
        lambda member: _("%(name)s has been added to the group.", name=member.user.name),
    ):
        return redirect(url_for("giving.group", group_id=group.id))
    return _group_page(group, form), 400


@bp.post("/groups/<int:group_id>/members/<int:member_id>/remove")
@login_required
def remove_member(group_id: int, member_id: int) -> Response:
    group = group_for(group_id, may="manage")
    member = child_or_404(GroupMember, member_id, group_id=group.id)
    return button_then(
        lambda: services.remove_group_member(db.session, current_user, member),
        _("Member removed."),
        url_for("giving.group", group_id=group.id),
    )
