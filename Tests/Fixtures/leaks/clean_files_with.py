def run():
    with open(__file__) as handle:
        return len(handle.read())
