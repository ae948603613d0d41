# No finding: the thread-safe forms from a thread, and a loop set up from the main thread before it runs.
import asyncio
import threading


async def noop():
    return "done"


def main():
    loop = asyncio.new_event_loop()
    # Before the loop runs: set-up from the main thread is fine.
    early = loop.create_future()
    loop.call_soon(early.set_result, "early")
    loop.call_later(0.01, print, "later")
    setup = loop.create_task(noop())

    async def body():
        result = loop.create_future()
        failure = loop.create_future()
        victim = asyncio.create_task(asyncio.sleep(30))

        def helper():
            loop.call_soon_threadsafe(print, "threadsafe")
            print("coroutine", asyncio.run_coroutine_threadsafe(noop(), loop).result())
            loop.call_soon_threadsafe(result.set_result, 1)
            loop.call_soon_threadsafe(failure.set_exception, ValueError("x"))
            loop.call_soon_threadsafe(victim.cancel)

        thread = threading.Thread(target=helper, name="helper")
        thread.start()
        print(await early, await setup, await result)
        try:
            await failure
        except ValueError:
            pass
        try:
            await victim
        except asyncio.CancelledError:
            pass
        await loop.run_in_executor(None, thread.join)

    loop.run_until_complete(body())
    loop.close()


main()
