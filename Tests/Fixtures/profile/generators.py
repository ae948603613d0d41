# Generators: the generator's frame sits above its consumer's while it runs.
def produce(count):
    for i in range(count):
        yield i * i % 7


def consume():
    total = 0
    for value in produce(3_000_000):
        total += value
    return total


consume()
