import psycopg

SESSIONS = {}

def run():
    connection = psycopg.connect(autocommit=True)
    connection.execute("SELECT 1").fetchone()
    SESSIONS[len(SESSIONS)] = connection
