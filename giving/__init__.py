"""The base of Placefund: accounts and roles, places, groups, rounds, applications, decisions.

``voting`` and ``funds`` import from here; nothing here imports them.
"""
