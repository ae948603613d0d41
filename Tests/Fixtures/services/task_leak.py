"""An asyncio server that leaks a task per connection (waiting for an event nobody sets)."""
import asyncio

NEVER = []


async def linger(event):
    await event.wait()


async def handle(reader, writer):
    await reader.readline()
    event = asyncio.Event()
    NEVER.append(event)
    asyncio.get_running_loop().create_task(linger(event))  # LEAKED TASK
    writer.write(b"ok\n")
    await writer.drain()
    writer.close()


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    print(f"listening on {server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()


asyncio.run(main())
