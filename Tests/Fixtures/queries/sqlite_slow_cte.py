"""One slow recursive query among many fast ones."""
import sqlite3
from contextlib import closing

with closing(sqlite3.connect(":memory:")) as connection:
    connection.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, price REAL)")
    connection.executemany("INSERT INTO items (price) VALUES (?)", [(n * 1.5,) for n in range(100)])
    connection.execute("SELECT price FROM items WHERE id = ?", (7,)).fetchone()
    connection.execute("SELECT count(*), max(price) FROM items").fetchone()
    connection.execute("SELECT id FROM items WHERE price > ? ORDER BY price LIMIT 5", (20.0,)).fetchall()
    total = connection.execute(
        "WITH RECURSIVE counter(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM counter WHERE n < 1000000) "
        "SELECT sum(n % 7) FROM counter").fetchone()[0]
    print("total", total)
