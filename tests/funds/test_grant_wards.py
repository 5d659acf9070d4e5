"""The ward each grant's group is in, found once for each postcode: the same ward as the
database's own lookup and the sign-up lookup give, the sector deciding over its district."""

from __future__ import annotations

from sqlalchemy import literal, select

from funds.reports import ward_name_of, wards_of_postcodes
from giving.postcodes import ward_for_postcode
from tests.factories import PostcodeAreaFactory, place_with_wards

# North is WB1 and South WB2, but the sector WB1 9 is in South and the sector WB2 9 is in
# no ward; ZZ9 is not in the place, and some groups give no postcode.
POSTCODES = ("WB1 1AA", "WB1 9ZZ", "WB2 9ZZ", "WB2 1AA", "ZZ9 9ZZ", "WB1", None)


def test_wards_of_postcodes_agree_with_the_database_and_the_sign_up_lookup(session):
    place, _north, south = place_with_wards("wardby", "Wardby", "WB")
    PostcodeAreaFactory(place=place, prefix="WB1 9", ward=south)
    PostcodeAreaFactory(place=place, prefix="WB2 9", ward=None)
    session.flush()

    wards = wards_of_postcodes(session, place, POSTCODES)

    assert wards == {
        "WB1 1AA": "North",
        "WB1 9ZZ": "South",
        "WB2 9ZZ": None,
        "WB2 1AA": "South",
        "ZZ9 9ZZ": None,
        "WB1": None,
        None: None,
    }
    for postcode in POSTCODES:
        in_database = session.scalar(select(ward_name_of(literal(postcode), place.id)))
        assert wards[postcode] == in_database, postcode
        if postcode is not None and " " in postcode:  # the sign-up lookup takes full postcodes
            ward = ward_for_postcode(session, place, postcode)
            assert wards[postcode] == (ward.name if ward else None), postcode
