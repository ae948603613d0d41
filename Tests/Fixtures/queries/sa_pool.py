"""A SQLAlchemy pool of 2 connections (no overflow) shared by 8 threads that each hold one for a while;
with the argument `timeout`, a pool_timeout short enough that some checkouts give up (TimeoutError)."""
import os
import shutil
import sys
import tempfile
import threading
import time

from sqlalchemy import create_engine, exc, text
from sqlalchemy.pool import QueuePool

timeout = 0.05 if sys.argv[1:] == ["timeout"] else 30
database = os.path.join(tempfile.mkdtemp(), "pool.db")
engine = create_engine("sqlite:///" + database, poolclass=QueuePool, connect_args={"check_same_thread": False},
                       pool_size=2, max_overflow=0, pool_timeout=timeout)
failures = []


def work(number):
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT :n"), {"n": number}).scalar()
            time.sleep(0.1)  # slow work while holding the connection
    except exc.TimeoutError as error:
        failures.append(error)


threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print("timeouts", len(failures))
engine.dispose()
shutil.rmtree(os.path.dirname(database))
