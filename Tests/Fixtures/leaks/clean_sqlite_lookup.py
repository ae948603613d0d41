# Clean: a lookup on a module-level sqlite3 connection. Each execute() makes a cursor, and the connection keeps a
# weak reference to every cursor it made; it drops the dead ones only once every 200 cursors, so the list grows
# by one per call between two prunes.
import sqlite3

DATABASE = sqlite3.connect(":memory:")
DATABASE.execute("create table users (id integer primary key, name text)")
DATABASE.executemany("insert into users (name) values (?)", [(f"user{n}",) for n in range(50)])


def run():
    return DATABASE.execute("select name from users where id = ?", (7,)).fetchone()
