# One C call that holds the GIL the whole time: sum() over a big range runs in C without releasing it. The
# samples are on CPU in the Python function that made the call, on the line of the call.
def add_up():
    return sum(range(60_000_000))  # the C call


add_up()
