"""The ``giving`` blueprint that every page of this package joins, the home page, each
person's tasks and the fixed pages."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import select

from giving.extensions import db
from giving.guards import page_arg
from giving.models import Place
from giving.services import tasks as task_service
from giving.timeutil import utcnow

bp = Blueprint("giving", __name__)


@bp.get("/")
def index() -> str:
    places = db.session.scalars(select(Place).order_by(Place.name)).all()
    give_place = task_service.home_place(db.session, current_user, places)
    return render_template("giving/index.html", places=places, give_place=give_place)


@bp.get("/tasks")
@login_required
def tasks() -> str:
    """What the person should do next; with ``?list=``, the whole of one list, a page at a
    time."""
    key = request.args.get("list")
    if key is None:
        return render_template(
            "giving/tasks.html",
            sections=task_service.tasks_for(db.session, current_user, utcnow()),
        )
    task_list = task_service.one_list(db.session, current_user, utcnow(), key)
    if task_list is None:
        abort(404)
    page = task_service.page_of(db.session, task_list, page_arg())
    return render_template("giving/task_list.html", page=page, task_list=task_list)


@bp.get("/accessibility")
def accessibility() -> str:
    return render_template("giving/accessibility.html")


@bp.get("/privacy")
def privacy() -> str:
    return render_template("giving/privacy.html")
