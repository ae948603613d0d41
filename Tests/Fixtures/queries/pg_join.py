"""The same data as pg_n_plus_one.py in one JOIN (psycopg 3): no finding."""
import psycopg

import pg_schema

with psycopg.connect() as connection:
    pg_schema.create(connection)
    rows = connection.execute(
        "SELECT users.id, posts.title FROM users JOIN posts ON posts.user_id = users.id").fetchall()
    print("titles", len(rows))
