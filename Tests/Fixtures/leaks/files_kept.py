OPEN = []

def run():
    handle = open(__file__)
    OPEN.append(handle)
