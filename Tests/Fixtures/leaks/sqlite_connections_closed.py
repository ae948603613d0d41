import sqlite3
from contextlib import closing


def run():
    with closing(sqlite3.connect(":memory:")) as connection:
        connection.execute("SELECT 1").fetchone()
