# A cleanup callback registered with atexit on every call: kept until the interpreter exits.
import atexit


class Connection:
    def __init__(self):
        self.buffer = bytearray(512)

    def close(self):
        self.buffer = None


def run():
    connection = Connection()
    atexit.register(connection.close)
