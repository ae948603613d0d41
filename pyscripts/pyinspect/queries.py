"""Database statements the target sends (issue 16): sqlite3, psycopg (3) and psycopg2, patched when the target
imports them (host.py registers the after-import hooks; this module is loaded only then).

Per statement key (normalised SQL, the user's line that sent it): count, total and longest time, rows, the
connection numbers, the longest run from one loop (the same line in one function call, or in calls from one
caller's frame) and the statement that ran just before its first run (the parent of an N+1). Per connection:
the line that opened it and whether it was closed, collected open or still open (in a transaction) at exit.
Everything is aggregated in dicts while the target runs and written once, by `flush()`, at exit or at a stop.

sqlite3's Connection and Cursor are C types: `connect` is wrapped to pass a `factory=` subclass (so
`isinstance(conn, sqlite3.Connection)` stays true) whose `cursor()` makes a Cursor subclass. psycopg's classes
are Python classes and are patched in place; psycopg2's are C types, wrapped like sqlite3's.
"""
import _thread
import _weakref
import sys
import time

from . import capture, sql_text

_perf = time.perf_counter
_getframe = sys._getframe
_HERE = __file__.rsplit("/", 1)[0] + "/"
_STACK_DEPTH = 8

_statements = {}   # (sql text folded, site code, site line) -> _Statement
_by_raw = {}       # (raw SQL as sent, site code, site line) -> _Statement: the per-statement fast path
_user_code = {}    # code object -> is it the user's (not the standard library's, a package's or ours)
_connections = {}  # connection number -> _Connection
_by_object = {}    # id(connection object) -> connection number
_refs = {}         # weakref -> connection number
_ref_of = {}       # connection number -> weakref
_last = [None]     # the statement key run last, in any thread (the parent candidate of the next new key)
_next_number = [1]
_lock = _thread.allocate_lock()
_counts = _thread.allocate_lock()  # the counters: statements from many threads at once lose no count
_flushed = [False]
_explain = [False]   # `--explain`: keep the slowest execution's text and parameters, explain the slow ones at flush
_leaks_mode = [False]  # `pyinspect leaks`: only the connections still open are kept (no statements, no history)
_harness_repeating = [False]  # the pytest plugin repeats a test for leaks: its statements and connections are not the run's
_NORMALISED_LIMIT = 50000  # raw texts kept on the fast path; a target that builds SQL with literals stays bounded


class _Statement:
    __slots__ = ("sql", "verb", "driver", "count", "total", "longest", "rows", "site", "stack", "connections",
                 "unit", "caller", "run", "max_run", "many", "parent", "relationship", "loader", "example")

    def __init__(self, sql, verb, driver, site, stack, parent):
        self.sql, self.verb, self.driver, self.site, self.stack, self.parent = sql, verb, driver, site, stack, parent
        self.count = 0
        self.total = self.longest = 0.0
        self.rows = 0
        self.connections = set()
        self.unit = self.caller = None
        self.run = self.max_run = 0
        self.many = False
        self.relationship = self.loader = None  # SQLAlchemy lazy load: `User.posts`, and the eager option to use
        self.example = None  # --explain: (SQL as sent, parameters, connection number, SQLAlchemy engine or None)


class _Connection:
    __slots__ = ("number", "driver", "site", "stack", "closed", "collected_open", "probe", "object_id", "reopen")

    def __init__(self, number, driver, site, stack, probe):
        self.number, self.driver, self.site, self.stack, self.probe = number, driver, site, stack, probe
        self.closed = self.collected_open = False
        self.reopen = None  # --explain: (args, kwargs) of the connect call, to reach the database once it is closed


def _is_user(code):
    known = _user_code.get(code)
    if known is None:
        name = code.co_filename
        known = not (name.startswith(_HERE) or name.startswith("<") or "/site-packages/" in name
                     or "/dist-packages/" in name or name.startswith(_STDLIB))
        _user_code[code] = known
    return known


_STDLIB = sys.base_prefix.rstrip("/") + "/lib/python"


def _user_frame():
    frame = _getframe(2)
    while frame is not None and not _is_user(frame.f_code):
        frame = frame.f_back
    if frame is None and _greenlet[0] is not None:
        frame = _frame_above_greenlet()
    return frame


_greenlet = [None]  # greenlet.getcurrent, once SQLAlchemy's asyncio extension is in use


def _frame_above_greenlet():
    """SQLAlchemy's asyncio extension runs the engine in a greenlet whose frames end at the greenlet: the
    user's coroutine is on the parent greenlet's stack, where greenlet_spawn switched."""
    try:
        current = _greenlet[0]()
        parent = current.parent
        frame = parent.gr_frame if parent is not None else None
    except Exception:
        return None
    while frame is not None and not _is_user(frame.f_code):
        frame = frame.f_back
    return frame


def _stack(frame):
    frames = []
    while frame is not None and len(frames) < _STACK_DEPTH:
        code = frame.f_code
        if not code.co_filename.startswith(_HERE):
            frames.append({"file": code.co_filename, "line": frame.f_lineno or 0, "function": code.co_name})
        frame = frame.f_back
    return frames


def _connection_number(connection):
    return _by_object.get(id(connection), 0)


_COROUTINE_FLAGS = 0x80 | 0x100 | 0x200  # CO_COROUTINE, CO_ITERABLE_COROUTINE, CO_ASYNC_GENERATOR


def record(driver, connection, sql, seconds, rows, many, frame, relationship=None, parameters=None, engine=None):
    """One statement sent; returns its _Statement. `frame`: the user's frame (None: sent from no user code).
    Called on every statement: one dict lookup on the fast path. The counters change under `_counts`: eight
    threads sharing a pool run the same statement from the same line at once, and a `+=` split by a thread
    switch would lose a count (QueriesTests asserts the exact count)."""
    if _leaks_mode[0] or _harness_repeating[0]:
        return None
    if frame is not None:
        code = frame.f_code
        line = frame.f_lineno
    else:
        code = None
        line = 0
    statement = _by_raw.get((sql, code, line))
    if statement is None:
        statement = _new_statement(driver, sql, code, line, frame, relationship)
    number = _by_object.get(id(connection), 0)
    here = caller = None
    if frame is not None:
        here = id(frame)
        back = frame.f_back
        if frame.f_code.co_flags & _COROUTINE_FLAGS and (back is None or not _is_user(back.f_code)):
            # A coroutine stepped by the event loop: tasks gathered at once share asyncio's frame, not a loop.
            caller = -here
        else:
            caller = id(back)
    with _counts:
        statement.count += 1
        statement.total += seconds
        if seconds > statement.longest:
            statement.longest = seconds
            if _explain[0]:
                statement.example = (sql, parameters, number, engine)
        if rows is not None and rows > 0:
            statement.rows += rows
        if many:
            statement.many = True
        statement.connections.add(number)
        # One loop: the same frame, or frames of one caller's frame (a helper called from the loop).
        if here is not None:
            if statement.unit == here or statement.caller == caller:
                statement.run += 1
                if statement.run > statement.max_run:
                    statement.max_run = statement.run
            else:
                statement.run = 1
            statement.unit = here
            statement.caller = caller
        elif statement.max_run == 0:
            statement.run = statement.max_run = 1
    _last[0] = statement
    return statement


def _add_rows(statement, count):
    with _counts:
        statement.rows += count


def _new_statement(driver, sql, code, line, frame, relationship):
    if not isinstance(sql, str):
        text = sql.decode("utf-8", "replace") if isinstance(sql, (bytes, bytearray)) else str(sql)
    else:
        text = sql
    folded, verb = sql_text.normalize(text)
    with _lock:
        key = (folded, code, line)
        statement = _statements.get(key)
        if statement is None:
            site = {"file": code.co_filename, "line": line, "function": code.co_name} if code is not None else None
            statement = _Statement(folded, verb, driver, site, _stack(frame), _last[0])
            if relationship is not None:
                statement.relationship, statement.loader = relationship
            _statements[key] = statement
        if len(_by_raw) < _NORMALISED_LIMIT:
            try:
                _by_raw[(sql, code, line)] = statement
            except TypeError:  # an unhashable statement object (psycopg's sql.Composed)
                pass
    return statement


# -- connections ------------------------------------------------------------------------------------------------

def opened(driver, connection, probe, reopen=None):
    """A connection was made; probe(connection) -> True when it is inside a transaction; reopen: the connect
    call's (args, kwargs), kept under --explain."""
    if _harness_repeating[0]:
        return 0  # the pytest plugin's repeats: the leak hunt measures them; a record per repeat would grow
    frame = _user_frame()
    if _engine_depth[0] and (frame is None or _in_sqlalchemy_pool()):
        return 0  # a pool's connection: kept open by design until engine.dispose()
    with _lock:
        number = _next_number[0]
        _next_number[0] += 1
        site = ({"file": frame.f_code.co_filename, "line": frame.f_lineno or 0, "function": frame.f_code.co_name}
                if frame is not None else None)
        entry = _Connection(number, driver, site, _stack(frame), probe)
        entry.object_id = id(connection)
        if _explain[0]:
            entry.reopen = reopen
        _connections[number] = entry
        _by_object[id(connection)] = number
    try:
        ref = _weakref.ref(connection, _collected)
        _refs[ref] = number
        _ref_of[number] = ref
    except TypeError:
        pass
    return number


def _in_sqlalchemy_pool():
    frame = _getframe(2)
    while frame is not None:
        if "/sqlalchemy/pool/" in frame.f_code.co_filename:
            return True
        frame = frame.f_back
    return False


def closed(connection):
    number = _by_object.get(id(connection))
    entry = _connections.get(number) if number else None
    if entry is not None:
        entry.closed = True
        if _leaks_mode[0]:
            _forget(entry)


def _forget(entry):
    """`pyinspect leaks` keeps only the connections still open: a function that opens and closes one per call
    must leave nothing behind here either."""
    _connections.pop(entry.number, None)
    if _by_object.get(entry.object_id) == entry.number:
        del _by_object[entry.object_id]
    ref = _ref_of.pop(entry.number, None)
    if ref is not None:
        _refs.pop(ref, None)


def open_connections():
    """The connections opened through the patched drivers and not closed (nor collected): `leaks`' signal."""
    return [entry for entry in list(_connections.values()) if not entry.closed and not entry.collected_open]


def _collected(ref):
    number = _refs.pop(ref, None)
    _ref_of.pop(number, None)
    entry = _connections.get(number) if number else None
    if entry is None or _flushed[0]:
        return
    if _by_object.get(entry.object_id) == number:
        del _by_object[entry.object_id]
    if not entry.closed:
        entry.collected_open = True
    if _leaks_mode[0]:
        _connections.pop(number, None)


# -- the drivers --------------------------------------------------------------------------------------------------

def _timed(driver, cursor, method, sql, arguments, many, rowcount):
    frame = _user_frame()
    if _engine_depth[0] and _engine_records_it(frame):
        return method(cursor, sql, *arguments)
    start = _perf()
    try:
        result = method(cursor, sql, *arguments)
    finally:
        seconds = _perf() - start
        record(driver, cursor.connection, sql, seconds, rowcount(cursor), many, frame, None,
               None if many else arguments[0])
    return result


def _rowcount(cursor):
    count = cursor.rowcount
    return count if count is not None and count >= 0 else None


def patch_sqlite3(module):
    import sqlite3.dbapi2 as dbapi2
    base_connect = dbapi2.connect
    classes = {}

    def connection_class(factory):
        made = classes.get(factory)
        if made is None:
            made = classes[factory] = _sqlite_classes(factory, dbapi2.Cursor)
        return made

    def connect(*args, **kwargs):
        factory = kwargs.get("factory", dbapi2.Connection)
        if len(args) >= 5:  # connect(database, timeout, detect_types, isolation_level, check_same_thread, factory…)
            args = list(args)
            factory = args[5] if len(args) > 5 else factory
        if isinstance(factory, type) and issubclass(factory, dbapi2.Connection):
            made = connection_class(factory)
            if len(args) > 5:
                args[5] = made
            else:
                kwargs["factory"] = made
        connection = base_connect(*args, **kwargs)
        opened("sqlite3", connection, lambda c: bool(c.in_transaction), (args[:1], _sqlite_reopen(kwargs)))
        return connection

    connect.__wrapped__ = base_connect
    connect.__doc__ = base_connect.__doc__
    dbapi2.connect = connect
    module.connect = connect


def _sqlite_reopen(kwargs):
    return {name: kwargs[name] for name in ("database", "uri") if name in kwargs}


class _RowCounting:
    """The cursor classes whose fetches add to the statement that ran last on them (virtual subclasses)."""
    _classes = ()

    @classmethod
    def register(cls, cursor_class):
        cls._classes = cls._classes + (cursor_class,)


def _sqlite_classes(connection_base, cursor_base):
    """The Connection and Cursor subclasses. Every statement passes here: the hot path is written out (no helper
    calls but `record`), which keeps the cost near 1 µs on this machine's quiet days (bench/queries_bench.py)."""
    base_execute = cursor_base.execute
    base_fetchone = cursor_base.fetchone
    base_cursor = connection_base.cursor
    is_user = _is_user
    user_code = _user_code
    getframe = _getframe
    perf = _perf

    class Cursor(cursor_base):
        _pyinspect_statement = None

        def execute(self, sql, parameters=(), /):
            if _engine_depth[0] and getattr(_in_engine, "depth", 0):
                # Inside SQLAlchemy's cursor-execute events, which record it: no frame walk through the engine.
                self._pyinspect_statement = None
                return base_execute(self, sql, parameters)
            frame = getframe(1)
            while frame is not None:
                known = user_code.get(frame.f_code)
                if known is None:
                    known = is_user(frame.f_code)
                if known:
                    break
                frame = frame.f_back
            if _engine_depth[0] and _engine_records_it(frame):
                return base_execute(self, sql, parameters)
            start = perf()
            try:
                return base_execute(self, sql, parameters)
            finally:
                seconds = perf() - start
                count = self.rowcount
                self._pyinspect_statement = record(
                    "sqlite3", self.connection, sql, seconds, count if count > 0 else None, False, frame, None,
                    parameters)

        def executemany(self, sql, parameters, /):
            return _timed("sqlite3", self, cursor_base.executemany, sql, (parameters,), True, _rowcount)

        def executescript(self, script, /):
            return _timed("sqlite3", self, cursor_base.executescript, script, (), True, _rowcount)

        def fetchall(self):
            rows = cursor_base.fetchall(self)
            statement = self._pyinspect_statement
            if statement is not None:
                _add_rows(statement, len(rows))
            return rows

        def fetchmany(self, *args, **kwargs):
            rows = cursor_base.fetchmany(self, *args, **kwargs)
            statement = self._pyinspect_statement
            if statement is not None:
                _add_rows(statement, len(rows))
            return rows

        def fetchone(self):
            row = base_fetchone(self)
            if row is not None:
                statement = self._pyinspect_statement
                if statement is not None:
                    _add_rows(statement, 1)
            return row

    Cursor.__name__ = Cursor.__qualname__ = cursor_base.__name__
    Cursor.__module__ = cursor_base.__module__
    _RowCounting.register(Cursor)

    class Connection(connection_base):
        def cursor(self, factory=Cursor):
            if factory is cursor_base:
                factory = Cursor
            return base_cursor(self, factory)

        # The C methods make their cursor and run it in C, out of the Cursor subclass's reach.
        def execute(self, sql, parameters=(), /):
            return base_cursor(self, Cursor).execute(sql, parameters)

        def executemany(self, sql, parameters, /):
            return base_cursor(self, Cursor).executemany(sql, parameters)

        def executescript(self, script, /):
            return base_cursor(self, Cursor).executescript(script)

        def close(self):
            closed(self)
            return connection_base.close(self)

    Connection.__name__ = Connection.__qualname__ = connection_base.__name__
    Connection.__module__ = connection_base.__module__
    return Connection


def _psycopg_in_transaction(connection):
    try:
        return int(connection.info.transaction_status) in (2, 3)  # INTRANS, INERROR
    except Exception:
        return False


def patch_psycopg(module):
    """psycopg 3: Connection.connect, close; Cursor (and AsyncCursor) execute and executemany."""
    for connection_class, cursor_class, asynchronous in (
            (module.Connection, module.Cursor, False),
            (getattr(module, "AsyncConnection", None), getattr(module, "AsyncCursor", None), True)):
        if connection_class is None or cursor_class is None:
            continue
        _patch_psycopg_connection(connection_class, asynchronous)
        for name in ("execute", "executemany"):
            _patch_psycopg_cursor(cursor_class, name, asynchronous)
    module.connect = module.Connection.connect  # psycopg.connect is the classmethod bound at import


def _patch_psycopg_connection(connection_class, asynchronous):
    base_connect = connection_class.connect.__func__
    base_close = connection_class.close
    if asynchronous:
        async def connect(cls, *args, **kwargs):
            connection = await base_connect(cls, *args, **kwargs)
            opened("psycopg", connection, _psycopg_in_transaction, (args, kwargs))
            return connection

        async def close(self):
            closed(self)
            return await base_close(self)
    else:
        def connect(cls, *args, **kwargs):
            connection = base_connect(cls, *args, **kwargs)
            opened("psycopg", connection, _psycopg_in_transaction, (args, kwargs))
            return connection

        def close(self):
            closed(self)
            return base_close(self)
    connection_class.connect = classmethod(connect)
    connection_class.close = close


def _patch_psycopg_cursor(cursor_class, name, asynchronous):
    base = getattr(cursor_class, name)
    many = name == "executemany"
    if asynchronous:
        async def method(self, query, params_seq=None, /, *args, **kwargs):
            frame = _user_frame()
            start = _perf()
            try:
                return await base(self, query, params_seq, *args, **kwargs)
            finally:
                seconds = _perf() - start
                if not (_engine_depth[0] and _engine_records_it(frame)):
                    record("psycopg", self.connection, _query_text(query, self), seconds, _rowcount(self), many,
                           frame, None, None if many else params_seq)
    else:
        def method(self, query, params_seq=None, /, *args, **kwargs):
            frame = _user_frame()
            if _engine_depth[0] and _engine_records_it(frame):
                return base(self, query, params_seq, *args, **kwargs)
            start = _perf()
            try:
                return base(self, query, params_seq, *args, **kwargs)
            finally:
                seconds = _perf() - start
                record("psycopg", self.connection, _query_text(query, self), seconds, _rowcount(self), many, frame,
                       None, None if many else params_seq)
    method.__name__ = method.__qualname__ = name
    setattr(cursor_class, name, method)


def _query_text(query, cursor):
    """psycopg accepts str, bytes or psycopg.sql.Composable."""
    if isinstance(query, (str, bytes)):
        return query
    try:
        return query.as_string(cursor)
    except Exception:
        return str(query)


def patch_psycopg2(module):
    import psycopg2.extensions as extensions
    base_connect = module.connect
    classes = {}

    def connect(*args, **kwargs):
        factory = kwargs.get("connection_factory") or extensions.connection
        made = classes.get(factory)
        if made is None:
            made = classes[factory] = _psycopg2_classes(factory, extensions.cursor)
        reopen = (args, dict(kwargs))
        kwargs["connection_factory"] = made
        connection = base_connect(*args, **kwargs)
        opened("psycopg2", connection,
               lambda c: not c.closed and c.get_transaction_status() in (extensions.TRANSACTION_STATUS_INTRANS,
                                                                       extensions.TRANSACTION_STATUS_INERROR),
               reopen)
        return connection

    connect.__wrapped__ = base_connect
    module.connect = connect


def _psycopg2_classes(connection_base, cursor_base):
    class Cursor(cursor_base):
        def execute(self, query, vars=None):
            return _timed("psycopg2", self, cursor_base.execute, query, (vars,), False, _rowcount)

        def executemany(self, query, vars_list):
            return _timed("psycopg2", self, cursor_base.executemany, query, (vars_list,), True, _rowcount)

    class Connection(connection_base):
        def cursor(self, *args, **kwargs):
            if kwargs.get("cursor_factory") is None and self.cursor_factory is None:
                kwargs["cursor_factory"] = Cursor
            return connection_base.cursor(self, *args, **kwargs)

        def close(self):
            closed(self)
            return connection_base.close(self)

    Cursor.__name__ = Cursor.__qualname__ = cursor_base.__name__
    Connection.__name__ = Connection.__qualname__ = connection_base.__name__
    return Connection


# -- SQLAlchemy ---------------------------------------------------------------------------------------------------

_in_engine = _thread._local()  # .depth: inside an Engine's cursor execute in this thread (the DB-API layer stays quiet)
_engine_depth = [0]             # SQLAlchemy's events are installed
_pools = {}                     # id(pool) -> _PoolFigures
_LAZY_LOADER = "/orm/strategies.py"


class _PoolFigures:
    __slots__ = ("size", "overflow", "checkouts", "waited", "wait_total", "wait_max", "peak", "timeouts", "site",
                 "stack", "timeout_s")

    def __init__(self, pool, frame):
        self.size = _call(pool, "size")
        self.overflow = getattr(pool, "_max_overflow", None)
        self.timeout_s = getattr(pool, "_timeout", None)
        self.checkouts = self.waited = self.peak = self.timeouts = 0
        self.wait_total = self.wait_max = 0.0
        self.site = _site_of(frame)
        self.stack = _stack(frame)


def _call(target, name):
    try:
        return getattr(target, name)()
    except Exception:
        return None


def _site_of(frame):
    if frame is None:
        return None
    return {"file": frame.f_code.co_filename, "line": frame.f_lineno or 0, "function": frame.f_code.co_name}


def _engine_records_it(frame):
    """Under SQLAlchemy the DB-API layer stays quiet for what the engine sends: inside its cursor-execute events
    (they record it, with the ORM's context), from the dialect's own set-up (`PRAGMA read_uncommitted`), or from
    a driver thread with no user code on it (aiosqlite's worker under the asyncio extension)."""
    if frame is None or getattr(_in_engine, "depth", 0):
        return True
    caller = _getframe(2)
    while caller is not None and caller is not frame:
        if "/sqlalchemy/" in caller.f_code.co_filename:
            return True
        caller = caller.f_back
    return False


def _engine_caller():
    """(the user's frame, the relationship a lazy load is running for) in one walk up from the engine's event.
    SQLAlchemy's LazyLoader runs between the user's attribute access and the statement, so it is found on the way
    to the user's frame (the stack below that frame is never walked)."""
    frame = _getframe(2)
    relationship = None
    user_code = _user_code
    while frame is not None:
        code = frame.f_code
        known = user_code.get(code)
        if known is None:
            known = _is_user(code)
        if known:
            return frame, relationship
        if relationship is None and code.co_name == "_load_for_state" and code.co_filename.endswith(_LAZY_LOADER):
            relationship = _relationship_of(frame)
        frame = frame.f_back
    if _greenlet[0] is not None:
        return _frame_above_greenlet(), relationship
    return None, relationship


def _relationship_of(frame):
    strategy = frame.f_locals.get("self")
    prop = getattr(strategy, "parent_property", None)
    if prop is None:
        return None
    # One object per parent (many-to-one, one-to-one): a JOIN in the parent query; a collection: a second
    # SELECT ... IN, which does not multiply the parent's rows.
    return str(prop), ("selectinload" if getattr(prop, "uselist", True) else "joinedload")


def patch_sqlalchemy(module):
    """Engine events for every statement (with the ORM's lazy-load context); QueuePool checkouts timed."""
    if _leaks_mode[0]:
        # `leaks` counts connections only: a pool's connections are the driver's, and no per-pool figures
        # (one per engine made) may grow from call to call.
        return
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    _engine_depth[0] = 1
    greenlet = sys.modules.get("greenlet")
    if greenlet is not None:
        _greenlet[0] = greenlet.getcurrent

    def before(conn, cursor, statement, parameters, context, executemany):
        _in_engine.depth = getattr(_in_engine, "depth", 0) + 1
        if _greenlet[0] is None and "greenlet" in sys.modules:
            _greenlet[0] = sys.modules["greenlet"].getcurrent
        frame, relationship = _engine_caller()
        conn.info["_pyinspect"] = (frame, relationship, _perf())

    def after(conn, cursor, statement, parameters, context, executemany):
        _in_engine.depth = max(0, getattr(_in_engine, "depth", 1) - 1)
        started = conn.info.pop("_pyinspect", None)
        if started is None:
            return
        frame, relationship, start = started
        seconds = _perf() - start
        rows = getattr(cursor, "rowcount", -1)
        known = rows is not None and rows >= 0
        recorded = record("sqlalchemy", conn, statement, seconds, rows if known else None, executemany, frame,
                          relationship, None if executemany else parameters, conn.engine if _explain[0] else None)
        if not known and isinstance(cursor, _RowCounting._classes):
            cursor._pyinspect_statement = recorded  # sqlite3 knows no rowcount for a SELECT: count the fetches

    def failed(context):
        _in_engine.depth = max(0, getattr(_in_engine, "depth", 1) - 1)
        connection = getattr(context, "connection", None)
        if connection is not None:
            connection.info.pop("_pyinspect", None)

    event.listen(Engine, "before_cursor_execute", before)
    event.listen(Engine, "after_cursor_execute", after)
    event.listen(Engine, "handle_error", failed)
    _patch_queue_pool()


def _patch_queue_pool():
    from sqlalchemy import exc
    from sqlalchemy.pool import QueuePool
    base = QueuePool._do_get

    def _do_get(self):
        figures = _pools.get(id(self))
        if figures is None:  # eight threads may make their first checkout at once: one set of figures wins
            made = _PoolFigures(self, _user_frame())
            with _lock:
                figures = _pools.setdefault(id(self), made)
        overflow = getattr(self, "_max_overflow", -1)
        # At its limit the pool can only wait for a checkin (or time out).
        at_limit = overflow is not None and overflow > -1 and getattr(self, "_overflow", 0) >= overflow
        start = _perf()
        try:
            connection = base(self)
        except exc.TimeoutError:
            with _counts:
                figures.timeouts += 1
            if figures.site is None or figures.timeouts == 1:
                frame = _user_frame()
                if frame is not None:
                    figures.site, figures.stack = _site_of(frame), _stack(frame)
            raise
        finally:
            waited = _perf() - start
            with _counts:
                figures.checkouts += 1
                if at_limit:
                    figures.waited += 1
                    figures.wait_total += waited
                    if waited > figures.wait_max:
                        figures.wait_max = waited
        checked_out = _call(self, "checkedout")
        with _counts:
            if checked_out is not None and checked_out > figures.peak:
                figures.peak = checked_out
        return connection

    QueuePool._do_get = _do_get


# -- the record ---------------------------------------------------------------------------------------------------

def forget_the_parents():
    """In a fork (child_process.py): what was recorded so far is the parent's, which writes it itself; this
    process starts with nothing, and with fresh locks (another thread may have held them at the fork)."""
    global _lock, _counts
    _lock = _thread.allocate_lock()
    _counts = _thread.allocate_lock()
    for table in (_statements, _by_raw, _connections, _by_object, _refs, _ref_of, _pools):
        table.clear()
    _last[0] = None
    _flushed[0] = False


def flush():
    """Writes one record per statement key and per connection-opening line; once (exit, timeout or deadlock)."""
    if _flushed[0]:
        return
    _flushed[0] = True
    with _lock:
        statements = list(_statements.items())
        connections = list(_connections.values())
    # Transactions are probed before --explain talks to the connections.
    groups = _connection_groups(connections)
    plans = {}
    if _explain[0]:
        from . import query_plans
        plans = query_plans.explain_slow([statement for _, statement in statements], _connections, _live)
    index = {id(statement): number for number, (_, statement) in enumerate(statements)}
    for number, (key, statement) in enumerate(statements):
        parent = statement.parent
        parent_entry = parent if parent is not None and parent is not statement else None
        record = {
            "record": "query", "index": number, "driver": statement.driver, "sql": statement.sql,
            "verb": statement.verb, "count": statement.count, "total_s": round(statement.total, 9),
            "max_s": round(statement.longest, 9), "rows": statement.rows, "many": statement.many,
            "max_run": statement.max_run, "site": statement.site, "stack": statement.stack,
            "connections": sorted(statement.connections),
            "parent": index.get(id(parent_entry)) if parent_entry is not None else None,
            "relationship": statement.relationship, "loader": statement.loader}
        plan = plans.get(id(statement))
        if plan is not None:
            record[plan[0]] = plan[1]  # "plan": [lines], or "plan_error": why there is none
        capture.write(record)
    for figures in list(_pools.values()):
        capture.write({
            "record": "db_pool", "size": figures.size, "max_overflow": figures.overflow,
            "timeout_s": figures.timeout_s, "checkouts": figures.checkouts, "waited": figures.waited,
            "wait_total_s": round(figures.wait_total, 9), "wait_max_s": round(figures.wait_max, 9),
            "peak_checked_out": figures.peak, "timeouts": figures.timeouts, "site": figures.site,
            "stack": figures.stack})
    for group in groups:
        capture.write(group)


def _connection_groups(connections):
    by_site = {}
    for entry in connections:
        state = "closed"
        in_transaction = False
        if entry.collected_open:
            state = "collected_open"
        elif not entry.closed:
            state = "open_at_exit"
            live = _live(entry.number)
            if live is not None:
                try:
                    in_transaction = bool(entry.probe(live))
                except Exception:
                    in_transaction = False
        site = entry.site or {}
        group = by_site.get((entry.driver, site.get("file"), site.get("line")))
        if group is None:
            group = by_site[(entry.driver, site.get("file"), site.get("line"))] = {
                "record": "db_connections", "driver": entry.driver, "site": entry.site, "stack": entry.stack,
                "opened": 0, "closed": 0, "collected_open": 0, "open_at_exit": 0, "in_transaction_at_exit": 0,
                "numbers": []}
        group["opened"] += 1
        group[state] += 1
        if in_transaction:
            group["in_transaction_at_exit"] += 1
        if len(group["numbers"]) < 20:
            group["numbers"].append(entry.number)
    return list(by_site.values())


def _live(number):
    ref = _ref_of.get(number)
    return ref() if ref is not None else None
