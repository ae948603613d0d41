"""asyncio worst case for the instruments: 3000 tasks, every step an asyncio.Lock acquire and a sleep(0); prints the loop's seconds on stderr."""
import asyncio, sys, time
async def child(lock):
    for _ in range(10):
        async with lock:
            await asyncio.sleep(0)
async def main():
    lock = asyncio.Lock()
    began = time.perf_counter()
    await asyncio.gather(*(child(lock) for _ in range(3000)))
    print(f"{time.perf_counter() - began:.3f}", file=sys.stderr)
asyncio.run(main())
