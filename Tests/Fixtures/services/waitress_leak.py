"""A WSGI app served by waitress (PyPI, 4 worker threads): /leak keeps data from every request (a leak), /clean
and /hello keep nothing. Prints `listening on PORT` (a free loopback port)."""
import waitress

SEEN = []


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


server = waitress.create_server(app, host="127.0.0.1", port=0, threads=4)
print(f"listening on {server.effective_port}", flush=True)
server.run()
