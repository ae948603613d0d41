"""Eight threads share a SQLAlchemy pool of 2 and each sends 250 statements, one checkout each, with the thread
switch interval at its lowest: the recorded counts must be exact (2000 statements, 2000 rows, 2000 checkouts)."""
import os
import shutil
import sys
import tempfile
import threading

from sqlalchemy import create_engine, text
from sqlalchemy.pool import QueuePool

sys.setswitchinterval(1e-6)
database = os.path.join(tempfile.mkdtemp(), "counts.db")
engine = create_engine("sqlite:///" + database, poolclass=QueuePool, connect_args={"check_same_thread": False},
                       pool_size=2, max_overflow=0, pool_timeout=60)
fetched = []


def work(number):
    for index in range(250):
        with engine.connect() as connection:
            fetched.append(connection.execute(text("SELECT :n + :i"), {"n": number, "i": index}).fetchone())


threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print("fetched", len(fetched))
engine.dispose()
shutil.rmtree(os.path.dirname(database))
