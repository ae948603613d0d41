# A socket per call kept in a module list.
import socket

SOCKETS = []


def run():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    SOCKETS.append(sock)
