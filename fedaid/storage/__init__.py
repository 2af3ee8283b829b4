"""What differs between SQLite and PostgreSQL; nothing else writes SQL or reads the dialect.

SQL here is written with `$n` parameters and goes through `dialect.py`, the one placeholder translator. The
rest of fedaid reaches the database through the ORM or through the functions of these modules, and
tests/test_layering.py holds it to that.
"""
