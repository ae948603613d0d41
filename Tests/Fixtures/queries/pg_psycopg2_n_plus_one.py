"""N+1 through psycopg2 (its C connection and cursor types), plus a connection left open in a transaction."""
import psycopg2

connection = psycopg2.connect("")
cursor = connection.cursor()
cursor.execute("CREATE TEMPORARY TABLE parts (id integer, box integer)")
cursor.executemany("INSERT INTO parts (id, box) VALUES (%s, %s)", [(i, i % 10) for i in range(100)])
found = 0
for box in range(25):
    cursor.execute("SELECT id FROM parts WHERE box = %(box)s", {"box": box})
    found += len(cursor.fetchall())
print("found", found, type(connection).__name__, isinstance(connection, psycopg2.extensions.connection))
# Neither committed nor closed: psycopg2 opened a transaction at the first statement.
