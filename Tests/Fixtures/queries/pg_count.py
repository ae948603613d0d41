"""Prints the rows of pg_slow.py's audit table: its INSERT ran once, whatever --explain did."""
import psycopg

with psycopg.connect() as connection:
    print("audit rows", connection.execute("SELECT count(*) FROM audit").fetchone()[0])
