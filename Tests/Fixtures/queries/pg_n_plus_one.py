"""N+1 on a real PostgreSQL through psycopg 3: each user's posts, one query per user."""
import psycopg

import pg_schema

with psycopg.connect() as connection:
    pg_schema.create(connection)
    titles = 0
    users = connection.execute("SELECT id, name FROM users ORDER BY id").fetchall()
    for user_id, name in users:
        cursor = connection.execute("SELECT title FROM posts WHERE user_id = %s", (user_id,))
        titles += len(cursor.fetchall())
    print("titles", titles)
