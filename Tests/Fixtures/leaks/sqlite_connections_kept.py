import sqlite3

CACHE = []

def run():
    connection = sqlite3.connect(":memory:")
    connection.execute("SELECT 1").fetchone()
    CACHE.append(connection)
