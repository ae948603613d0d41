"""A slow SQLAlchemy query on a sqlite file: a self-join on an expression no index serves. The test removes the
directory it prints (--explain reads the file at the end)."""
import os
import tempfile

from sqlalchemy import create_engine, text

directory = tempfile.mkdtemp()
engine = create_engine("sqlite:///" + os.path.join(directory, "events.db"))
with engine.begin() as connection:
    connection.execute(text("CREATE TABLE events (id INTEGER PRIMARY KEY, kind TEXT, value REAL)"))
    connection.execute(text("INSERT INTO events (kind, value) VALUES (:kind, :value)"),
                       [{"kind": f"k{n % 450}", "value": n} for n in range(900)])
with engine.connect() as connection:
    pairs = connection.execute(text(
        "SELECT count(*) FROM events a JOIN events b ON lower(a.kind) = lower(b.kind) AND a.value < b.value "
        "WHERE a.value > :floor"), {"floor": -1}).scalar()
print("pairs", pairs)
engine.dispose()
print("directory", directory)
