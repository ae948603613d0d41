import psycopg


def run():
    with psycopg.connect(autocommit=True) as connection:
        connection.execute("SELECT 1").fetchone()
