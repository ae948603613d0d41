"""Allocates 16 MiB blocks until it runs out; prints each 64 MiB so a test can see it grow."""
blocks = []


def grow():
    while True:
        blocks.append(bytearray(16 * 1024 * 1024))
        if len(blocks) % 4 == 0:
            print(f"{len(blocks) * 16} MiB", flush=True)


grow()
