import ctypes

libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]

def run():
    pointer = libc.malloc(4096)
    ctypes.memset(pointer, 1, 4096)
    libc.free(pointer)
