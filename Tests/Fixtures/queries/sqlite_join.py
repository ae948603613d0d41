"""The same data as sqlite_n_plus_one.py in one JOIN: no finding."""
import sqlite3
from contextlib import closing

with closing(sqlite3.connect(":memory:")) as connection:
    connection.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
    connection.execute("CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER, title TEXT)")
    connection.executemany("INSERT INTO users (id, name) VALUES (?, ?)", [(i, f"user {i}") for i in range(40)])
    connection.executemany("INSERT INTO posts (user_id, title) VALUES (?, ?)",
                           [(i % 40, f"post {i}") for i in range(200)])
    connection.commit()
    rows = connection.execute(
        "SELECT users.id, posts.title FROM users JOIN posts ON posts.user_id = users.id").fetchall()
    print("titles", len(rows))
