# A target that installs its own profile and trace functions: the sampler does not rely on them.
import sys
import threading

calls = 0


def profiler(frame, event, arg):
    global calls
    calls += 1


def tracer(frame, event, arg):
    return None


def work():
    total = 0
    for i in range(300_000):
        total += i % 7
    return total


sys.setprofile(profiler)
threading.setprofile(profiler)
sys.settrace(tracer)
for _ in range(5):
    work()
sys.settrace(None)
sys.setprofile(None)
print("profiled calls", calls > 0)
