"""python3 tcp_load.py PORT N: N connections, one line each, reading the reply."""
import socket
import sys

port, count = int(sys.argv[1]), int(sys.argv[2])
for _ in range(count):
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(b"hi\n")
        connection.recv(16)
print("done", flush=True)
