"""`run --explain` (issue 16): the database's plan for each slow statement, asked at the end of the run with the
parameters of its slowest execution: `EXPLAIN QUERY PLAN` on sqlite, `EXPLAIN` on PostgreSQL.

Plain EXPLAIN only: the database plans the statement and runs nothing, whatever its verb (never EXPLAIN ANALYZE,
which would run an INSERT or a data-modifying WITH again). A text holding several statements is never explained
(`EXPLAIN SELECT 1; DROP TABLE t` would run the DROP). On the target's own connection when it is still open (a
transaction it left open is kept intact by a savepoint), else on a new connection to the same database, opened
read-only for sqlite and closed at once.
"""
import sys

from . import sql_text

# The statements that may become slow_query findings: QueryAnalysis's absolute rule (one execution of 1 s) and the
# floor of its share rule (0.1 s in all); the share itself needs the run's wall time, which the host measures.
_EXECUTION_S = 1.0
_TOTAL_S = 0.1
_MOST = 10
_EXPLAINABLE = ("SELECT", "INSERT", "UPDATE", "DELETE", "REPLACE")


def explain_slow(statements, connections, live):
    """{id(statement): ("plan", [lines]) or ("plan_error", why)} for the slow statements, most time first.
    connections: number -> _Connection; live(number) -> the connection object, or None once collected."""
    plans = {}
    candidates = [statement for statement in statements if statement.example is not None
                  and (statement.longest >= _EXECUTION_S or statement.total >= _TOTAL_S)]
    candidates.sort(key=lambda statement: -statement.total)
    for statement in candidates[:_MOST]:
        try:
            plans[id(statement)] = _plan(statement, connections, live)
        except Exception as error:  # the plan is a help: its failure is said in the finding, never raised
            plans[id(statement)] = ("plan_error", f"{type(error).__name__}: {error}".strip()[:300])
    return plans


def _plan(statement, connections, live):
    sql, parameters, number, engine = statement.example
    if statement.verb not in _EXPLAINABLE:
        return ("plan_error", f"not explained: a {statement.verb or 'blank'} statement")
    if isinstance(sql, (bytes, bytearray)):
        sql = bytes(sql).decode("utf-8", "replace")
    if not isinstance(sql, str):
        return ("plan_error", "not explained: the statement was a composed object, not text")
    if not sql_text.is_single(sql):
        return ("plan_error", "not explained: the text holds more than one statement")
    if engine is not None:
        return _sqlalchemy(engine, sql, parameters)
    entry = connections.get(number)
    if statement.driver == "sqlite3":
        return _sqlite(sql, parameters, entry, live)
    if statement.driver in ("psycopg", "psycopg2"):
        return _postgres(statement.driver, sql, parameters, entry, live)
    return ("plan_error", f"not explained: no EXPLAIN for {statement.driver}")


# -- sqlite --------------------------------------------------------------------------------------------------------

def _sqlite(sql, parameters, entry, live):
    import sqlite3
    query = "EXPLAIN QUERY PLAN " + sql
    parameters = () if parameters is None else parameters
    connection = live(entry.number) if entry is not None else None
    if connection is not None:
        try:  # the C method: its cursor is not the recording subclass
            return ("plan", sqlite_lines(sqlite3.Connection.execute(connection, query, parameters).fetchall()))
        except sqlite3.ProgrammingError:  # closed: a new connection below
            pass
    path, uri = _sqlite_database(entry)
    if path is None:
        return ("plan_error", "not explained: its connection was closed and its database was in memory")
    return ("plan", _sqlite_read_only(path, uri, query, parameters))


def _sqlite_read_only(path, uri, query, parameters):
    """A new connection to the database file, read-only: it can neither create the file nor change it."""
    import sqlite3
    if uri:
        target = path
    else:
        escaped = path.replace("%", "%25").replace("?", "%3f").replace("#", "%23")
        target = f"file:{escaped}?mode=ro"
    other = sqlite3.Connection(target, uri=True)  # the C type itself: not a connection of the target's
    try:
        return sqlite_lines(other.execute(query, parameters).fetchall())
    finally:
        other.close()


def _sqlite_database(entry):
    if entry is None or entry.reopen is None:
        return None, False
    args, kwargs = entry.reopen
    database = args[0] if args else kwargs.get("database")
    uri = bool(kwargs.get("uri"))
    if isinstance(database, bytes):
        database = database.decode("utf-8", "replace")
    elif database is not None and not isinstance(database, str):
        database = str(database)  # a path-like
    if not database or database == ":memory:" or "mode=memory" in database or database.startswith("file::memory:"):
        return None, False
    return database, uri


def sqlite_lines(rows):
    """EXPLAIN QUERY PLAN's rows (id, parent, notused, detail) as the sqlite3 shell draws them: one line per
    step, indented under its parent."""
    depth = {0: -1}
    lines = []
    for row in rows:
        node, parent, detail = row[0], row[1], row[-1]
        level = depth.get(parent, -1) + 1
        depth[node] = level
        lines.append("  " * level + str(detail))
    return lines


# -- PostgreSQL ----------------------------------------------------------------------------------------------------

_IDLE, _IN_TRANSACTION, _IN_ERROR = 0, 2, 3


def _postgres(driver, sql, parameters, entry, live):
    query = "EXPLAIN " + sql
    connection = live(entry.number) if entry is not None else None
    if connection is not None and not connection.closed:
        status = _status(driver, connection)
        if status in (_IDLE, _IN_TRANSACTION):
            return ("plan", _explain_on(driver, connection, query, parameters, status == _IN_TRANSACTION))
    if entry is None or entry.reopen is None:
        return ("plan_error", "not explained: its connection is gone and how it was opened is unknown")
    args, kwargs = entry.reopen
    other = sys.modules[driver].connect(*args, **kwargs)
    try:
        return ("plan", _explain_on(driver, other, query, parameters, False))
    finally:
        other.close()


def _status(driver, connection):
    if driver == "psycopg":
        return int(connection.info.transaction_status)
    return connection.get_transaction_status()


def _explain_on(driver, connection, query, parameters, in_transaction):
    """Leaves the connection as it was: a transaction the target left open stays open and intact (a failed
    EXPLAIN is rolled back to a savepoint), an idle connection goes back to idle. A plain cursor: the target's
    row factory (dict rows) is not asked for."""
    if driver == "psycopg":
        from psycopg.rows import tuple_row
        cursor = connection.cursor(row_factory=tuple_row)
    else:
        from psycopg2.extensions import cursor as plain_cursor
        cursor = connection.cursor(cursor_factory=plain_cursor)
    try:
        if in_transaction:
            cursor.execute("SAVEPOINT pyinspect_explain")
        try:
            cursor.execute(query, parameters)
            return [str(row[0]) for row in cursor.fetchall()]
        finally:
            if in_transaction:
                cursor.execute("ROLLBACK TO SAVEPOINT pyinspect_explain")
                cursor.execute("RELEASE SAVEPOINT pyinspect_explain")
            else:
                connection.rollback()
    finally:
        cursor.close()


# -- SQLAlchemy ----------------------------------------------------------------------------------------------------

def _sqlalchemy(engine, sql, parameters):
    dialect = engine.dialect.name
    if dialect == "sqlite":
        prefix = "EXPLAIN QUERY PLAN "
    elif dialect == "postgresql":
        prefix = "EXPLAIN "
    else:
        return ("plan_error", f"not explained: no EXPLAIN for the {dialect} dialect")
    query = prefix + sql
    parameters = () if parameters is None else parameters
    url = engine.url
    in_memory = dialect == "sqlite" and (url.database in (None, "", ":memory:") or "mode=memory" in url.database)
    if dialect == "sqlite" and not in_memory:  # a file, sync or asyncio: read-only with the standard library
        return ("plan", _sqlite_read_only(url.database, bool(url.query.get("uri")), query, parameters))
    if getattr(engine.dialect, "is_async", False):
        rows = _async_rows(url, query, parameters)
    elif in_memory:
        # The engine's own pool (SingletonThreadPool or StaticPool): the only way to the in-memory tables.
        with engine.connect() as connection:
            rows = connection.exec_driver_sql(query, parameters).fetchall()
    else:
        # A new connection, not the pool's: at a timeout the pool may be exhausted and a checkout would wait.
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool
        other = create_engine(url, poolclass=NullPool)
        try:
            with other.connect() as connection:
                rows = connection.exec_driver_sql(query, parameters).fetchall()
        finally:
            other.dispose()
    return ("plan", sqlite_lines(rows) if dialect == "sqlite" else [str(row[0]) for row in rows])


def _async_rows(url, query, parameters):
    """The asyncio extension's connections belong to the target's event loop, which has ended: a new engine on a
    new loop."""
    import asyncio
    from sqlalchemy.ext.asyncio import create_async_engine
    from sqlalchemy.pool import NullPool

    async def rows():
        other = create_async_engine(url, poolclass=NullPool)
        try:
            async with other.connect() as connection:
                result = await connection.exec_driver_sql(query, parameters)
                return result.fetchall()
        finally:
            await other.dispose()

    return asyncio.run(rows())
