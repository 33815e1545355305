"""The accounting method: one park-year and a factor set in, indicators and their trace out.

No Django, no ORM, no settings: plain data and exact Decimals, so the method can be read,
run (``manage.py evaluate_park`` or a plain Python shell) and tested on its own.

- ``case``: the `zcp-case/1` format, checked and read into typed rows;
- ``factor_set``: a versioned factor set in memory (D3, D10);
- ``engine``: the calculation; ``results``: the Result and how it is written as JSON;
- ``digest``: the input digest a run records.

DECISIONS.md lists the decisions the method takes where Att.3 and Att.4 are silent, with the
code that applies each.
"""
