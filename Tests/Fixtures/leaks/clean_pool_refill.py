# A pool of 8 buffers: emptied and refilled, never above 8.
POOL = []


def run():
    if not POOL:
        POOL.extend(bytearray(1024) for _ in range(8))
    POOL.pop()
