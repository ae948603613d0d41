# Under a terminal: prints "ready", reads lines and echoes them ("got <line>") until Ctrl-C; a fork child waits
# too and reports its own KeyboardInterrupt (the terminal's Ctrl-C reaches the whole foreground job).
import os
import sys
import time

ready_read, ready_write = os.pipe()
child = os.fork()
if child == 0:
    try:
        os.write(ready_write, b"x")  # inside the try: a Ctrl-C from now on is the child's KeyboardInterrupt
        time.sleep(600)
    except KeyboardInterrupt:
        print("KeyboardInterrupt in child", flush=True)
    os._exit(0)
os.read(ready_read, 1)
try:
    print("ready", flush=True)
    for line in sys.stdin:
        print("got", line.strip(), flush=True)
except KeyboardInterrupt:
    print("KeyboardInterrupt in target", flush=True)
    os.waitpid(child, 0)
    raise
