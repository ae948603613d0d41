# Run as `-m entry_package.tool`: like json.tool, main() drives a chain of generators (the consumer must stay
# above them in every sample) and writes what they yield. numbers() runs for a few hundred nanoseconds between
# yields, shorter than one read of the chain: py-spy gives it about 0.1 of the samples, encoded() about 0.75.
import sys


def numbers(count):
    for i in range(count):
        yield i * i


def encoded(count):
    for value in numbers(count):
        yield "%d:%x" % (value, value)


def main():
    written = 0
    for _ in range(100):
        for text in encoded(20000):
            written += len(text)
    sys.stdout.write("written %d\n" % written)


if __name__ == "__main__":
    main()
