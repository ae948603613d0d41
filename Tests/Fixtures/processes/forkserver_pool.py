"""A forkserver Pool of 2 workers; closed and joined."""
import multiprocessing


def square(n):
    return n * n


if __name__ == "__main__":
    context = multiprocessing.get_context("forkserver")
    pool = context.Pool(2)
    print(sum(pool.map(square, range(100))))
    pool.close()
    pool.join()
