"""Shared set-up for the panel and review tests: a round being read by an appointed panel of
four (a chair, a reader, a member with a conflict on one application, and one who has not
declared yet), two applications, a fund manager, a resident and someone from elsewhere."""

from __future__ import annotations

from types import SimpleNamespace

from giving.models import Role
from giving.workflow import State
from tests.factories import (
    ApplicationFactory,
    AssignmentFactory,
    DeclarationFactory,
    GroupFactory,
    PanelFactory,
    PanelMemberFactory,
    PlaceFactory,
    PostcodeAreaFactory,
    RoleGrantFactory,
    RoundFactory,
    UserFactory,
)


def build_panel_world() -> SimpleNamespace:
    place = PlaceFactory(slug="pennington", name="Pennington")
    PostcodeAreaFactory(place=place, prefix="PN1")
    manager = RoleGrantFactory(place=place, role=Role.FUND_MANAGER).user
    round_ = RoundFactory(
        place=place, title="Pennington grants", criteria=[("Helps people", 30), ("Good value", 10)]
    )
    panel = PanelFactory(round=round_)
    chair = PanelMemberFactory(panel=panel, chair=True)
    reader = PanelMemberFactory(panel=panel)
    conflicted = PanelMemberFactory(panel=panel)
    undeclared = PanelMemberFactory(panel=panel)
    first = ApplicationFactory(
        round=round_,
        group=GroupFactory(place=place, name="Pennington Larder"),
        state=State.IN_REVIEW,
        answered=True,
    )
    second = ApplicationFactory(
        round=round_,
        group=GroupFactory(place=place, name="Pennington Choir"),
        state=State.IN_REVIEW,
        answered=True,
    )
    for member in (chair, reader, conflicted, undeclared):
        for application in (first, second):
            AssignmentFactory(member=member, application=application)
    for member in (chair, reader):
        for application in (first, second):
            DeclarationFactory(member=member, application=application)
    DeclarationFactory(member=conflicted, application=first, conflicted=True)
    DeclarationFactory(member=conflicted, application=second)
    return SimpleNamespace(
        place=place,
        manager=manager,
        round=round_,
        panel=panel,
        chair=chair,
        reader=reader,
        conflicted=conflicted,
        undeclared=undeclared,
        first=first,
        second=second,
        resident=UserFactory(postcode="PN1 2AB"),
        outsider=UserFactory(postcode="ZZ1 1ZZ"),
        other_manager=RoleGrantFactory(role=Role.FUND_MANAGER).user,
    )


def panel_url(world: SimpleNamespace, suffix: str = "") -> str:
    return f"/panels/{world.panel.id}{suffix}"


def app_url(world: SimpleNamespace, application, suffix: str) -> str:
    return f"/panels/{world.panel.id}/applications/{application.id}/{suffix}"


def round_panel_url(world: SimpleNamespace, suffix: str = "") -> str:
    return f"/places/{world.place.slug}/rounds/{world.round.id}/panel{suffix}"
