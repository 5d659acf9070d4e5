"""Flask-Migrate, with Alembic loaded only when a migration runs.

Importing Flask-Migrate imports all of Alembic (and Mako and Pygments with it), which is a
large part of the time any ``flask`` command takes to start. :class:`Migrations` gives the
app what Flask-Migrate's ``Migrate.init_app`` gives it, the ``flask db`` commands and the
settings in ``app.extensions["migrate"]`` that ``migrations/env.py`` and
``flask_migrate.upgrade()`` read, and builds Flask-Migrate's own object the first time one of
them is used. ``flask --help`` lists ``db`` without loading it.
"""

from __future__ import annotations

from functools import cached_property
from importlib import import_module
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from flask import Flask
    from flask_migrate import Migrate
    from flask_sqlalchemy import SQLAlchemy


class LazyCommand(click.Command):
    """A command listed under ``name`` with its one-line help, whose module is imported only
    when the command (or its ``--help``) is run. ``target`` is ``"module:attribute"``."""

    def __init__(self, name: str, target: str, short_help: str) -> None:
        super().__init__(name, short_help=short_help, help=short_help)
        self.target = target

    def load(self) -> click.Command:
        module, _, attribute = self.target.partition(":")
        command = getattr(import_module(module), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{self.target} is not a click command")
        return command

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        # The real command parses the arguments, so the context it makes runs it.
        return self.load().make_context(info_name, args, parent=parent, **extra)


class MigrateSettings:
    """What Flask-Migrate keeps in ``app.extensions["migrate"]``: the database, the folder of
    migrations and Alembic's options, and Flask-Migrate's object, made when first asked for."""

    def __init__(self, db: SQLAlchemy, directory: str, options: dict[str, Any]) -> None:
        self.db = db
        self.directory = directory
        self.configure_args = dict(options)

    @property
    def metadata(self) -> Any:
        return self.db.metadata

    @cached_property
    def migrate(self) -> Migrate:
        from flask_migrate import Migrate

        return Migrate(db=self.db, directory=self.directory, **self.configure_args)


class Migrations:
    """Stands in for ``flask_migrate.Migrate`` in ``create_app``, without importing it."""

    def __init__(self, **options: Any) -> None:
        self.options = options

    def init_app(self, app: Flask, db: SQLAlchemy, directory: str) -> None:
        app.extensions["migrate"] = MigrateSettings(db, directory, self.options)
        app.cli.add_command(
            LazyCommand("db", "flask_migrate.cli:db", "Perform database migrations.")
        )
