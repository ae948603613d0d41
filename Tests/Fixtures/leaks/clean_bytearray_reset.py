# Clean: a scratch buffer filled and emptied on every call.
SCRATCH = bytearray()


def run():
    SCRATCH.extend(b"x" * 200)
    del SCRATCH[:]
