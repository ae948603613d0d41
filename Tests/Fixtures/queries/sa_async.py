"""SQLAlchemy's asyncio extension (aiosqlite driver): lazy-load-free N+1 written by hand, one awaited query per
user inside the loop."""
import asyncio

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from sa_models import Base, Post, User


async def main():
    engine = create_async_engine("sqlite+aiosqlite://")
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    async with AsyncSession(engine) as session:
        session.add_all([User(name=f"user {n}", posts=[Post(title=f"post {n}")]) for n in range(20)])
        await session.commit()
        users = (await session.scalars(select(User).order_by(User.id))).all()
        titles = 0
        for user in users:
            result = await session.scalars(select(Post.title).where(Post.user_id == user.id))
            titles += len(result.all())
        print("titles", titles)
    await engine.dispose()


asyncio.run(main())
