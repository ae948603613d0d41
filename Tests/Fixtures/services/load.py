"""Bounded load generator on loopback: python3 load.py PORT REQUESTS PATH... (each path REQUESTS times)."""
import sys
import urllib.request

port, count, paths = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
for number in range(count):
    for path in paths:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}?n={number}", timeout=30) as reply:
            reply.read()
print("done", flush=True)
