"""gunicorn settings for ProcessesTests: 2 sync workers on a free loopback port, announced on stdout."""
bind = "127.0.0.1:0"
workers = 2
control_socket_disable = True  # gunicorn 23+ would otherwise open a socket in $HOME, shared by parallel tests


def when_ready(server):
    # The test waits for this line, then drives a bounded number of requests at the port.
    print("ready on port", server.LISTENERS[0].sock.getsockname()[1], flush=True)
