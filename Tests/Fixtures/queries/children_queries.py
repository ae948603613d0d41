"""Pool workers each run an N+1 on their own sqlite3 database: 1 query for the authors, then one per author.
argv[1]: start method (fork, spawn, forkserver). A subprocess through sys.executable does the same (argv[2] == "subprocess")."""
import multiprocessing
import os
import sqlite3
import sys
import tempfile


def report(worker_index):
    path = os.path.join(tempfile.gettempdir(), "pyinspect-pool-%d-%d.db" % (os.getpid(), worker_index))
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE IF NOT EXISTS authors (id INTEGER PRIMARY KEY, name TEXT)")
    db.execute("CREATE TABLE IF NOT EXISTS books (author INTEGER, title TEXT)")
    db.executemany("INSERT INTO authors VALUES (?, ?)", [(i, "a%d" % i) for i in range(30)])
    db.executemany("INSERT INTO books VALUES (?, ?)", [(i % 30, "b%d" % i) for i in range(90)])
    titles = 0
    for (author,) in db.execute("SELECT id FROM authors").fetchall():
        titles += len(db.execute("SELECT title FROM books WHERE author = ?", (author,)).fetchall())  # N+1
    db.close()
    os.unlink(path)
    return titles


if __name__ == "__main__":
    if sys.argv[2:] == ["subprocess"]:
        import subprocess
        subprocess.run([sys.executable, __file__, "child"], check=True)
        sys.exit(0)
    if sys.argv[1:] == ["child"]:
        print(report(0))
        sys.exit(0)
    method = sys.argv[1] if len(sys.argv) > 1 else "fork"
    pool = multiprocessing.get_context(method).Pool(2)
    print(sum(pool.map(report, range(2))))
    pool.close()  # not terminate() (what `with Pool()` calls): a worker killed by SIGTERM writes nothing
    pool.join()
