"""SQLAlchemy 2 lazy loading in a loop: one SELECT of posts per user (the relationship User.posts).
With the argument `selectin`, the same loop with selectinload(User.posts): two queries, no finding.
DATABASE_URL picks the database (the tests use PostgreSQL through psycopg); sqlite in memory otherwise."""
import os
import sys

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session, selectinload

from sa_models import Base, User, fill

engine = create_engine(os.environ.get("DATABASE_URL", "sqlite://"))
Base.metadata.drop_all(engine)
Base.metadata.create_all(engine)
with Session(engine) as session:
    fill(session)

with Session(engine) as session:
    query = select(User).order_by(User.id)
    if sys.argv[1:] == ["selectin"]:
        query = query.options(selectinload(User.posts))
    titles = 0
    for user in session.scalars(query):
        titles += len(user.posts)
    print("titles", titles)
engine.dispose()
