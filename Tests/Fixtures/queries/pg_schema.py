"""Tables the PostgreSQL fixtures share (the server comes from PGHOST/PGUSER/PGDATABASE, set by the test)."""


def create(connection, users=40, posts_per_user=5):
    connection.execute("DROP TABLE IF EXISTS posts")
    connection.execute("DROP TABLE IF EXISTS users")
    connection.execute("CREATE TABLE users (id integer PRIMARY KEY, name text NOT NULL)")
    connection.execute("CREATE TABLE posts (id serial PRIMARY KEY, user_id integer REFERENCES users, title text)")
    with connection.cursor() as cursor:
        cursor.executemany("INSERT INTO users (id, name) VALUES (%s, %s)", [(i, f"user {i}") for i in range(users)])
        cursor.executemany("INSERT INTO posts (user_id, title) VALUES (%s, %s)",
                           [(i % users, f"post {i}") for i in range(users * posts_per_user)])
    connection.commit()
