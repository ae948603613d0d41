# Connections per repeat: one closed on every call is clean (pyinspect's record of each connection the repeats
# open must not grow); one kept in a module list is the leak, with its chain.
import sqlite3

KEPT = []


def test_closes_its_connection():
    connection = sqlite3.connect(":memory:")
    connection.execute("select 1").fetchone()
    connection.close()


def test_keeps_its_connection():
    KEPT.append(sqlite3.connect(":memory:"))
