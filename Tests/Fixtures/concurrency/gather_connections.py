# unbounded_concurrency: 10 000 coroutines gathered at once (line 25), each opening a connection to a loopback
# listener and holding it a moment; with 1024 file descriptors, most of them fail with EMFILE.
import asyncio
import resource
import socket

resource.setrlimit(resource.RLIMIT_NOFILE, (1024, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))


async def fetch(port):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"hello")
    await writer.drain()
    await asyncio.sleep(0.3)
    writer.close()
    await writer.wait_closed()


async def main():
    # The kernel completes each handshake into the listener's backlog: no accept needed.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4096)
    port = listener.getsockname()[1]
    results = await asyncio.gather(*(fetch(port) for _ in range(10000)), return_exceptions=True)
    print("failed", sum(isinstance(result, OSError) for result in results))
    listener.close()


asyncio.run(main())
