# One lookup per test on a module-level sqlite3 connection: under `pyinspect test --leaks` the plugin repeats
# the test ~150 times, and those repeats are the harness's, not statements of the run (no n_plus_one).
import sqlite3

DATABASE = sqlite3.connect(":memory:")
DATABASE.execute("create table users (id integer primary key, name text)")
DATABASE.execute("insert into users (name) values ('ada')")


def find(user_id):
    return DATABASE.execute("select name from users where id = ?", (user_id,)).fetchone()


def test_find():
    assert find(1) == ("ada",)
