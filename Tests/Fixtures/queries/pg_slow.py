"""Slow statements on a real PostgreSQL through psycopg 3: a SELECT and an INSERT ... SELECT that each sleep 1.1 s
on the server. --explain must plan both without running either again (the row count stays 1)."""
import psycopg

import pg_schema

with psycopg.connect() as connection:
    pg_schema.create(connection)
    connection.execute("DROP TABLE IF EXISTS audit")
    connection.execute("CREATE TABLE audit (user_id integer, note text)")
    row = connection.execute("SELECT name, pg_sleep(%s) FROM users WHERE id = %s", (1.1, 3)).fetchone()
    connection.execute("INSERT INTO audit (user_id, note) SELECT %s, 'slept' FROM pg_sleep(%s)", (3, 1.1))
    print("user", row[0])
