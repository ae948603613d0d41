"""Two threads join each other: a deadlock."""
import threading

threads = {}
both_started = threading.Barrier(2)


def run(other):
    both_started.wait()
    threads[other].join()  # line 10: each joins the other


threads["left"] = threading.Thread(target=run, args=("right",), name="left")
threads["right"] = threading.Thread(target=run, args=("left",), name="right")
for thread in threads.values():
    thread.start()
threads["left"].join()
