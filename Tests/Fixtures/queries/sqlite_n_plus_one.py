"""N+1: the posts of each user, one query per user inside the loop (sqlite3)."""
import sqlite3

connection = sqlite3.connect(":memory:")
connection.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
connection.execute("CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER, title TEXT)")
connection.executemany("INSERT INTO users (id, name) VALUES (?, ?)", [(i, f"user {i}") for i in range(40)])
connection.executemany("INSERT INTO posts (user_id, title) VALUES (?, ?)",
                       [(i % 40, f"post {i}") for i in range(200)])
connection.commit()

titles = 0
users = connection.execute("SELECT id, name FROM users").fetchall()
for user_id, name in users:
    rows = connection.execute("SELECT title FROM posts WHERE user_id = ?", (user_id,)).fetchall()
    titles += len(rows)
print("titles", titles, isinstance(connection, sqlite3.Connection))
connection.close()
