"""Who may use each page for rounds and applications: logged out, wrong role, right role."""

from __future__ import annotations

import pytest

from giving.models import Application, Group, Round, User
from giving.workflow import State
from tests.access_helpers import assert_sent_to_log_in
from tests.conftest import post_form
from tests.factories import ApplicationFactory
from tests.giving.round_helpers import as_user, build_world, round_url

STAFF_PAGES = [
    "/places/riverton/rounds/new",
    "{round}/manage",
    "{draft}/edit",
    "{round}/who-can-apply",
    "{round}/questions",
    "{round}/criteria",
    "{draft}/open",
    "{round}/deadline",
    "{round}/close",
    "{round}/applications",
    "{round}/apply-for-a-group",
    "/applications/{application}/decide",
    "/applications/{application}/override",
]

GROUP_PAGES = [
    "/applications/{application}",
    "/applications/{application}/edit",
    "/applications/{application}/check",
    "/applications/{application}/files",
    "/applications/{application}/withdraw",
]


@pytest.fixture(scope="module")
def world(shared_session):
    """The round tests' world, made once for this module's many requests."""
    return build_world()


def _url(world, template: str) -> str:
    return template.format(
        round=round_url(world),
        draft=round_url(world, round_=world.draft_round),
        application=world.application.id,
    )


def _each(pages: list[str], expected: int, *people: str) -> list[tuple[str, str, int]]:
    return [(template, who, expected) for template in pages for who in people]


@pytest.mark.parametrize("template", STAFF_PAGES + GROUP_PAGES)
def test_staff_and_application_pages_send_visitors_to_log_in(client, world, template):
    assert_sent_to_log_in(client.get(_url(world, template)))


@pytest.mark.parametrize(
    ("template", "who", "expected"),
    _each(STAFF_PAGES, 403, "member", "resident", "panel", "elsewhere_manager")
    + _each(STAFF_PAGES, 200, "manager")
    # No one else can see a draft application; the group and staff can use it.
    + _each(GROUP_PAGES, 403, "other_member", "resident", "panel", "elsewhere_manager")
    + _each(GROUP_PAGES, 200, "member", "manager"),
)
def test_who_may_open_staff_and_application_pages(client, world, template, who, expected):
    as_user(client, getattr(world, who))
    assert client.get(_url(world, template)).status_code == expected


def test_public_round_pages_need_no_account(client, world):
    for url in ("/places/riverton/rounds", round_url(world), round_url(world, "/check")):
        assert client.get(url).status_code == 200, url


def test_a_draft_round_is_hidden_from_everyone_but_staff(client, world):
    draft = round_url(world, round_=world.draft_round)
    assert client.get(draft).status_code == 404
    assert client.get(draft + "/check").status_code == 404
    assert world.draft_round.title not in client.get("/places/riverton/rounds").get_data(True)
    as_user(client, world.manager)
    assert client.get(draft).status_code == 200
    assert world.draft_round.title in client.get("/places/riverton/rounds").get_data(True)


def test_applying_and_your_applications_need_an_account(client, world):
    for url in (round_url(world, "/apply"), "/applications"):
        assert_sent_to_log_in(client.get(url))
    as_user(client, world.resident)
    assert client.get(round_url(world, "/apply")).status_code == 200
    assert client.get("/applications").status_code == 200


def test_an_unknown_round_or_application_is_not_found(client, world):
    as_user(client, world.manager)
    assert client.get("/places/riverton/rounds/99999").status_code == 404
    assert client.get("/places/riverton/rounds/99999/manage").status_code == 404
    assert client.get("/applications/99999").status_code == 404


def test_a_round_cannot_be_reached_through_another_place(client, world, session):
    from tests.factories import PlaceFactory, RoleGrantFactory

    other = PlaceFactory(slug="elsewhere")
    RoleGrantFactory(user=session.get(User, world.manager.id), place=other)
    as_user(client, world.manager)
    assert client.get(f"/places/elsewhere/rounds/{world.round.id}/manage").status_code == 404


@pytest.mark.parametrize(
    ("template", "page"),
    [
        ("{draft}/open", "{draft}/open"),
        ("{round}/close", "{round}/close"),
        ("{round}/deadline", "{round}/deadline"),
    ],
)
def test_staff_actions_are_refused_to_a_group_member(client, world, template, page):
    as_user(client, world.member)
    response = post_form(client, _url(world, template), {}, page="/account")
    assert response.status_code == 403


def test_only_staff_can_record_decisions(client, world, session):
    as_user(client, world.member)
    response = post_form(
        client,
        f"/applications/{world.application.id}/decide",
        {"action": "award", "award_pence": "1000"},
        page="/account",
    )
    assert response.status_code == 403
    assert session.get(Application, world.application.id).state.value == "draft"


@pytest.mark.parametrize("who", ["member", "resident", "panel", "elsewhere_manager"])
def test_only_staff_of_the_place_can_override(client, world, session, who):
    application = ApplicationFactory(
        round=session.get(Round, world.round.id),
        group=session.get(Group, world.other_group.id),
        state=State.SHORTLISTED,
    )
    session.commit()
    as_user(client, getattr(world, who))
    response = post_form(
        client,
        f"/applications/{application.id}/override",
        {"action": "override_decline", "override_reason": "Fraud.", "feedback": "No."},
        page="/account",
    )
    assert response.status_code == 403
    session.refresh(application)
    assert application.state == State.SHORTLISTED
    assert application.decided_by is None


def test_removing_or_moving_questions_and_criteria_is_for_staff_only(client, world, session):
    round_ = session.get(Round, world.draft_round.id)
    question, criterion = round_.questions[0], round_.criteria[0]
    position = question.position
    urls = [
        round_url(world, f"/questions/{question.id}/remove", round_=round_),
        round_url(world, f"/questions/{question.id}/move/down", round_=round_),
        round_url(world, f"/criteria/{criterion.id}/remove", round_=round_),
        round_url(world, f"/criteria/{criterion.id}/move/down", round_=round_),
    ]
    for url in urls:
        response = client.post(url)
        assert response.status_code in (302, 400)
        if response.status_code == 302:
            assert "/login" in response.headers["Location"]
    as_user(client, world.member)
    for url in urls:
        assert post_form(client, url, {}, page="/account").status_code == 403
    session.expire_all()
    assert question in round_.questions
    assert question.position == position
    assert criterion in round_.criteria


def test_the_sent_page_is_for_the_group_and_staff(client, world, session):
    sent = ApplicationFactory(
        round=session.get(Round, world.round.id),
        group=session.get(Group, world.other_group.id),
        state=State.SUBMITTED,
    )
    url = f"/applications/{sent.id}/sent"
    assert_sent_to_log_in(client.get(url))
    as_user(client, world.member)
    assert client.get(url).status_code == 403
    as_user(client, world.other_member)
    assert client.get(url).status_code == 200
    as_user(client, world.manager)
    assert client.get(url).status_code == 200
    # A draft has not been sent, so it has no confirmation page.
    assert client.get(f"/applications/{world.application.id}/sent").status_code == 404


# Each route below has its who-may and who-may-not cases in this module, or in the module
# named beside it; tests/test_routes_covered.py checks that every route is listed somewhere.
ROUTES_COVERED = {
    "/places/<place_slug>/rounds",
    "/places/<place_slug>/rounds/new",
    "/places/<place_slug>/rounds/<int:round_id>",
    "/places/<place_slug>/rounds/<int:round_id>/check",
    "/places/<place_slug>/rounds/<int:round_id>/manage",
    "/places/<place_slug>/rounds/<int:round_id>/edit",
    "/places/<place_slug>/rounds/<int:round_id>/who-can-apply",
    "/places/<place_slug>/rounds/<int:round_id>/questions",
    "/places/<place_slug>/rounds/<int:round_id>/questions/<int:question_id>/remove",
    "/places/<place_slug>/rounds/<int:round_id>/questions/<int:question_id>"
    "/move/<any(up, down):direction>",
    "/places/<place_slug>/rounds/<int:round_id>/criteria",
    "/places/<place_slug>/rounds/<int:round_id>/criteria/<int:criterion_id>/remove",
    "/places/<place_slug>/rounds/<int:round_id>/criteria/<int:criterion_id>"
    "/move/<any(up, down):direction>",
    "/places/<place_slug>/rounds/<int:round_id>/open",
    "/places/<place_slug>/rounds/<int:round_id>/deadline",
    "/places/<place_slug>/rounds/<int:round_id>/close",
    "/places/<place_slug>/rounds/<int:round_id>/applications",
    "/places/<place_slug>/rounds/<int:round_id>/apply",
    "/places/<place_slug>/rounds/<int:round_id>/apply-for-a-group",
    "/applications",
    "/applications/<int:application_id>",
    "/applications/<int:application_id>/edit",
    "/applications/<int:application_id>/check",
    "/applications/<int:application_id>/sent",
    "/applications/<int:application_id>/withdraw",
    "/applications/<int:application_id>/decide",
    "/applications/<int:application_id>/override",
    "/applications/<int:application_id>/files",
    # test_applications_files.py: downloads and removals by members, staff and others.
    "/applications/<int:application_id>/files/<int:attachment_id>",
    "/applications/<int:application_id>/files/<int:attachment_id>/remove",
}
