import multiprocessing
import sys


def square(x):
    return x * x


if __name__ == "__main__":
    method = sys.argv[1]
    context = multiprocessing.get_context(method)
    with context.Pool(2) as pool:
        print(method, sum(pool.map(square, range(100))))
