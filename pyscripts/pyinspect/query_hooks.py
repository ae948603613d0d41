"""Where database drivers get patched (issue 16): queries.py loads only when the target imports a driver it
patches (sqlite3, psycopg, psycopg2, SQLAlchemy), right after that import. `run` records statements and
connections; `leaks` keeps only the connections still open (its `connections` signal)."""
from . import import_hooks

DRIVERS = ("sqlite3", "psycopg", "psycopg2", "sqlalchemy")


def install(explain=False, leaks=False):
    def patch(name):
        def patched(module):
            from . import queries
            queries._explain[0] = explain
            queries._leaks_mode[0] = leaks
            getattr(queries, "patch_" + name)(module)
        return patched

    for name in DRIVERS:
        import_hooks.after_import(name, patch(name))
