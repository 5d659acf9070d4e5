"""The places where voting and funds add to giving's pages and jobs, in plain sight.

``giving`` is the base and imports neither ``voting`` nor ``funds``. When the app is built,
``giving.init_app`` puts one :class:`Hooks` on the app, and each package's ``init_app`` adds
its parts to it by name::

    hooks = giving.hooks.of(app)
    hooks.round_links.append(round_links)

Giving reads them back through :func:`current` while it answers a request or runs a command.
Nothing is added by importing a module, so reading ``create_app`` shows every part there is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app

EXTENSION_KEY = "placefund.hooks"

# Callables take plain arguments; the types are spelled out in each field's comment because
# the models they name live in packages that import this one.
RoundLinks = Callable[[Any, Any, str], list[tuple[str, str]]]
PanelPolicy = Callable[[Any, Any, Any], bool]
ScorecardSource = Callable[[Any, Any, Any], list[Any]]
ParticipationSource = Callable[[Any, Any, Any], Any]
TookPartCheck = Callable[[Any, Any, Any], bool]
SectionSource = Callable[[Any, Any], list[Any]]
TickJob = Callable[[Any, dt.datetime], list[str]]
DemoLoader = Callable[[Any], bool]
ScaleLoader = Callable[[Any, Any], None]
RoundNotes = Callable[[Any, list[Any]], dict[int, list[str]]]
DecisionGuard = Callable[[Any, Any, Any], str | None]
TaskSource = Callable[[Any, Any, dt.datetime], list[Any]]
ApplicationLinks = Callable[[Any, Any], list[tuple[str, str]]]
ReminderSource = Callable[[Any, dt.datetime], list[Any]]


@dataclass
class Hooks:
    """What other packages add to giving. Each list keeps the order things were added in."""

    # ``links(round, user, page)`` -> ``[(text, href)]`` for a round's "manage" or "public" page.
    round_links: list[RoundLinks] = field(default_factory=list)
    # ``policy(session, user, application)`` -> may this panel member read it? None: giving's
    # default (every panel member of the place may read what is being read or shortlisted).
    panel_access: PanelPolicy | None = None
    # ``source(session, place, round_or_None)`` -> more scorecard figures.
    scorecard_sources: list[ScorecardSource] = field(default_factory=list)
    # ``source(session, place, round_or_None)`` -> a ``Participation``.
    participation_sources: list[ParticipationSource] = field(default_factory=list)
    # ``check(session, user, round)`` -> did the person take part (so may answer the survey)?
    took_part_checks: list[TookPartCheck] = field(default_factory=list)
    # ``notes(session, rounds)`` -> ``{round_id: sentences}`` on how each round's decisions
    # stand, shown with its results everywhere they appear ("Counted on 2 December; ...").
    round_notes: list[RoundNotes] = field(default_factory=list)
    # ``guard(session, application, move)`` -> why the move cannot be made now, or None
    # (funds: an award a grant was made from is not taken back until the grant is cancelled).
    decision_guards: list[DecisionGuard] = field(default_factory=list)
    # ``source(session, place)`` -> sections of the place's public results page.
    place_sections: list[SectionSource] = field(default_factory=list)
    # The API answers' marshmallow schemas, by the name the OpenAPI document gives them:
    # ``{"Grant": GrantSchema}``. The paths come from the API views themselves.
    api_schemas: dict[str, Any] = field(default_factory=dict)
    # Anchors on the "how we work this out" page: ``{anchor: Definition}``.
    definitions: dict[str, Any] = field(default_factory=dict)
    # Ways of taking part, as the participation report names them: ``{"vote": "Voted ..."}``.
    ways: dict[str, str] = field(default_factory=dict)
    # ``job(session, now)`` -> lines saying what it did; run by ``flask tick`` in this order.
    tick_jobs: list[TickJob] = field(default_factory=list)
    # ``source(session, now)`` -> the ``Reminder`` items due now (:mod:`giving.services.
    # reminders`), each sent once to each person by the ``flask tick`` job that reads them.
    reminder_sources: list[ReminderSource] = field(default_factory=list)
    # ``source(session, person, now)`` -> the ``TaskList`` items of a person's "Your tasks"
    # page (:mod:`giving.services.tasks`): what is waiting for them, each linking to the action.
    task_sources: list[TaskSource] = field(default_factory=list)
    # ``links(application, user)`` -> ``[(text, href)]`` for the fund's team reading an
    # application (voting: the panel's scores and notes on it).
    application_links: list[ApplicationLinks] = field(default_factory=list)
    # ``load(session)`` -> True when it added demo data; run by ``flask demo load`` in order.
    demo_loaders: list[DemoLoader] = field(default_factory=list)
    # ``load(session, scale)`` -> adds its part of the large dataset (``flask demo scale``),
    # reading what earlier loaders made from ``scale.made`` (:class:`giving.scale.Scale`).
    scale_loaders: list[ScaleLoader] = field(default_factory=list)

    def add_definitions(self, definitions: Any) -> None:
        for definition in definitions:
            self.definitions[definition.anchor] = definition

    def add_api_schemas(self, schemas: dict[str, Any]) -> None:
        for name, schema in schemas.items():
            if self.api_schemas.setdefault(name, schema) is not schema:
                raise ValueError(f"Two API schemas are called {name}")


def install(app: Flask) -> Hooks:
    """Give the app its (empty) hooks; ``giving.init_app`` calls this first."""
    hooks = Hooks()
    app.extensions[EXTENSION_KEY] = hooks
    return hooks


def of(app: Flask) -> Hooks:
    """The app's hooks, for a package's ``init_app`` to add to."""
    return app.extensions[EXTENSION_KEY]


def current() -> Hooks:
    """The hooks of the app handling this request or command."""
    return of(current_app)
