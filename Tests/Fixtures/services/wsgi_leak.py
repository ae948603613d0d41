"""A WSGI app on wsgiref: /leak keeps data from every request (a leak), /clean and /hello keep nothing."""
import sys
from wsgiref.simple_server import WSGIRequestHandler, make_server

SEEN = []


class Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def leak(environ):
    SEEN.append({"path": environ["PATH_INFO"], "payload": "x" * 4000 + environ.get("QUERY_STRING", "")})  # LEAK
    return b"kept\n"


def clean(environ):
    scratch = ["y" * 4000 + environ.get("QUERY_STRING", "") for _ in range(3)]  # CLEAN
    return str(len(scratch)).encode() + b"\n"


def hello(environ):
    return ("hello " + environ.get("QUERY_STRING", "") * 100).encode()  # HELLO


ROUTES = {"/leak": leak, "/clean": clean, "/hello": hello}


def app(environ, start_response):
    handler = ROUTES.get(environ["PATH_INFO"])
    if handler is None:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"no\n"]
    body = handler(environ)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [body]


server = make_server("127.0.0.1", 0, app, handler_class=Quiet)
print(f"listening on {server.server_port}", flush=True)
try:
    server.serve_forever()
finally:
    server.server_close()
sys.exit(0)
