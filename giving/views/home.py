"""The ``giving`` blueprint that every page of this package joins, the home page and the
fixed pages."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select

from giving.extensions import db
from giving.models import Place

bp = Blueprint("giving", __name__)


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
