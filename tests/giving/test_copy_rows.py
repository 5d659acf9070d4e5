"""Rows copied in with COPY (the scale loader on PostgreSQL) come out as an INSERT would make
them: the columns' own defaults filled in, a fresh token for each row, values converted."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from giving.copy_rows import copy_rows, reserve_ids
from giving.models import Round, RoundStatus, User
from tests.database_helpers import on_postgresql
from tests.factories import PlaceFactory, UserFactory

pytestmark = pytest.mark.skipif(not on_postgresql(), reason="COPY is PostgreSQL's")


def test_copied_rows_get_their_ids_and_each_its_own_defaults(session):
    ids = reserve_ids(session, User, 3)
    copy_rows(
        session,
        User,
        [
            {"id": n, "email": f"copied{n}@example.org", "name": "Copied", "password_hash": "x"}
            for n in ids
        ],
    )
    users = session.scalars(select(User).where(User.id.in_(ids)).order_by(User.id)).all()
    assert [u.email for u in users] == [f"copied{n}@example.org" for n in ids]
    assert len({u.session_token for u in users}) == 3  # made anew for every row
    assert all(u.created_at is not None and u.reminders_on and not u.is_site_admin for u in users)
    # The next ordinary insert takes the next id, so nothing collides.
    later = UserFactory()
    session.flush()
    assert later.id > max(ids)


def test_copied_enums_and_times_read_back_as_written(session):
    place, manager = PlaceFactory(), UserFactory()
    session.flush()
    opens = dt.datetime(2026, 6, 1, 9, 30, tzinfo=dt.UTC)
    [round_id] = reserve_ids(session, Round, 1)
    copy_rows(
        session,
        Round,
        [
            {
                "id": round_id,
                "place_id": place.id,
                "title": "Copied round",
                "budget_pence": 1_000_000,
                "min_grant_pence": 50_000,
                "max_grant_pence": 500_000,
                "opens_at": opens,
                "closes_at": opens + dt.timedelta(days=30),
                "status": RoundStatus.DRAFT,
                "created_by_id": manager.id,
            }
        ],
    )
    copied = session.get(Round, round_id)
    assert copied is not None
    assert copied.status == RoundStatus.DRAFT
    assert copied.opens_at == opens


def test_a_key_the_table_does_not_have_is_refused(session):
    with pytest.raises(ValueError, match="no columns"):
        copy_rows(session, User, [{"email": "a@example.org", "colour": "blue"}])
