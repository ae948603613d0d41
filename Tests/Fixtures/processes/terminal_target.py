# Under a terminal: prints "ready", reads lines and echoes them ("got <line>") until Ctrl-C; a fork child waits
# too and reports its own KeyboardInterrupt (the terminal's Ctrl-C reaches the whole foreground job).
import os
import sys
import time

child = os.fork()
if child == 0:
    try:
        time.sleep(600)
    except KeyboardInterrupt:
        print("KeyboardInterrupt in child", flush=True)
    os._exit(0)
try:
    print("ready", flush=True)
    for line in sys.stdin:
        print("got", line.strip(), flush=True)
except KeyboardInterrupt:
    print("KeyboardInterrupt in target", flush=True)
    os.waitpid(child, 0)
    raise
