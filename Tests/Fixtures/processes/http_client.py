"""Sends N GET / requests to 127.0.0.1:PORT, then GET /stop; prints the pids that answered."""
import sys
import urllib.request

port, count = int(sys.argv[1]), int(sys.argv[2])
answered = set()
for _ in range(count):
    with urllib.request.urlopen("http://127.0.0.1:%d/" % port, timeout=30) as response:
        answered.add(int(response.read()))
with urllib.request.urlopen("http://127.0.0.1:%d/stop" % port, timeout=30) as response:
    response.read()
print(" ".join(str(pid) for pid in sorted(answered)))
