"""A WSGI app for a pre-fork server test: "/" answers with the worker's pid; "/stop" asks the master to stop."""
import os
import signal


def app(environ, start_response):
    if environ.get("PATH_INFO") == "/stop":
        os.kill(os.getppid(), signal.SIGTERM)  # the arbiter stops its workers gracefully, then itself
    body = str(os.getpid()).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
