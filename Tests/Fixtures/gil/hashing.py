"""Threads hashing large buffers: hashlib releases the GIL for buffers over 2 KiB."""
import hashlib
import threading

BUFFER = b"x" * (32 * 1024 * 1024)


def digest():
    for _ in range(6):
        hashlib.sha256(BUFFER).hexdigest()


workers = [threading.Thread(target=digest, name=f"hasher-{i}") for i in range(2)]
for worker in workers:
    worker.start()
for worker in workers:
    worker.join()
