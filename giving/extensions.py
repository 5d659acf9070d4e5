"""Flask extensions, created unbound and attached to the app in ``wsgi.create_app``."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase, Session

from giving.migrate import Migrations

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


if TYPE_CHECKING:

    class _Database(SQLAlchemy):
        # db.session is a scoped session: it hands every call on to this request's own
        # Session, so services can take it wherever they take a Session.
        session: Session  # type: ignore[assignment]


db = cast("_Database", SQLAlchemy(model_class=Base))

# The base class of every model. db.Model is built from Base when db is created, and a type
# checker cannot follow a class made at run time, so it is shown Base instead.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model

# Flask-Migrate itself (and Alembic) loads only when a migration runs: see giving.migrate.
migrate = Migrations(compare_type=True, render_as_batch=True)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
