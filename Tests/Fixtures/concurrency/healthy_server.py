# No finding: a server holding 3000 connections at once, each handler sleeping on its connection (read) until the
# client closes it. The clients are plain sockets in a thread. The handlers answer connections: their number is
# the clients' to set.
import asyncio
import socket
import threading

CLIENTS = 3000


async def main():
    loop = asyncio.get_running_loop()
    connected = asyncio.Event()
    finished = asyncio.Event()
    counts = {"open": 0, "closed": 0}
    release = threading.Event()

    async def handle(reader, writer):
        counts["open"] += 1
        if counts["open"] == CLIENTS:
            connected.set()
        await reader.read(100)  # until the client closes
        writer.close()
        counts["closed"] += 1
        if counts["closed"] == CLIENTS:
            finished.set()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=CLIENTS)
    port = server.sockets[0].getsockname()[1]

    def clients():
        sockets = [socket.create_connection(("127.0.0.1", port)) for _ in range(CLIENTS)]
        release.wait()
        for sock in sockets:
            sock.close()

    thread = threading.Thread(target=clients, name="clients")
    thread.start()
    await connected.wait()
    await asyncio.sleep(1)  # all held at once, for a while
    release.set()
    await finished.wait()
    await loop.run_in_executor(None, thread.join)
    server.close()
    await server.wait_closed()
    print("served", CLIENTS)


asyncio.run(main())
