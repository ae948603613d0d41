"""300 single-row INSERTs in a loop, committed once."""
import sqlite3
from contextlib import closing

with closing(sqlite3.connect(":memory:")) as connection:
    connection.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, name TEXT, value REAL)")
    for number in range(300):
        connection.execute("INSERT INTO events (name, value) VALUES (?, ?)", (f"event {number}", number * 0.5))
    connection.commit()
    print("events", connection.execute("SELECT count(*) FROM events").fetchone()[0])
