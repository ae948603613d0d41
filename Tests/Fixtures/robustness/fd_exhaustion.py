"""Opens files until the process has no descriptors left (limit lowered to 64 to be quick)."""
import resource

resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
held = []


def open_forever():
    while True:
        held.append(open(__file__, "rb"))


open_forever()
