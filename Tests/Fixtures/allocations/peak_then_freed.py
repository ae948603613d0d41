# A 40 MiB peak that is entirely freed before exit: the peak names the line, nothing is left at exit.
def build():
    return [bytes(1000) for _ in range(40_000)]  # PEAK_LINE


blocks = build()
del blocks
print("done")
