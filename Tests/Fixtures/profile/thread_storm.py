# Threads started and ended in a tight loop while the sampler walks the thread list: no crash, and the main
# thread keeps being sampled.
import threading


def short_task(values):
    values.append(sum(range(200)))


values = []
for _ in range(3000):
    thread = threading.Thread(target=short_task, args=(values,))
    thread.start()
    thread.join(0)
for thread in threading.enumerate():
    if thread is not threading.main_thread():
        thread.join()
print("started", len(values))
