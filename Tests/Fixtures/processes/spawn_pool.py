"""A spawn Pool of 3 workers, each burning CPU on one task; closed and joined (workers exit 0)."""
import multiprocessing


def burn(n):
    total = 0
    for i in range(n):
        total += i * i
    return total


if __name__ == "__main__":
    context = multiprocessing.get_context("spawn")
    pool = context.Pool(3)
    print(sum(pool.map(burn, [1_500_000] * 3, chunksize=1)))
    pool.close()
    pool.join()
