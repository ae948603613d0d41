import sys

ERRORS = []

def work():
    payload = [object() for _ in range(3)]
    raise ValueError("boom")

def run():
    try:
        work()
    except ValueError:
        ERRORS.append(sys.exc_info())
