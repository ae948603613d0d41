import signal
import sys
import time

if len(sys.argv) > 1 and sys.argv[1] == "term":
    def on_term(signum, frame):
        print("got SIGTERM", flush=True)
        sys.exit(7)
    signal.signal(signal.SIGTERM, on_term)
try:
    print("ready", flush=True)  # inside the try: the signal may arrive right after the line is out
    time.sleep(30)
except KeyboardInterrupt:
    print("KeyboardInterrupt in target", flush=True)
    raise
print("slept through")
