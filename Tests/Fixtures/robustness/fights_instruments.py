"""A target that takes away everything it can from an inspector, then exits with status 5."""
import gc
import io
import os
import signal
import sys
import tempfile
import tracemalloc

gc.disable()
gc.callbacks.clear()
tracemalloc.stop()
sys.setprofile(None)
sys.settrace(None)
signal.signal(signal.SIGTERM, lambda *args: None)
signal.signal(signal.SIGUSR1, signal.SIG_IGN)
os.chdir(tempfile.gettempdir())

pid = os.fork()
if pid == 0:
    # The forked child runs to a normal exit: its atexit handlers must not write a second report.
    sys.exit(9)
os.waitpid(pid, 0)

sys.stdout.write("before closing\n")
sys.stdout.flush()
sys.stdout = io.StringIO()
sys.stderr = io.StringIO()
os.close(1)
os.close(2)
sys.exit(5)
