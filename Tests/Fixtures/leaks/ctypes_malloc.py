import ctypes

libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]

def run():
    pointer = libc.malloc(4096)
    ctypes.memset(pointer, 1, 4096)
