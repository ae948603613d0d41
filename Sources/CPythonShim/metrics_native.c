// `run --metrics HOST:PORT` (Sources/PyInspectCore/Metrics, docs/services.md): the listening TCP socket made
// by pyinspect before it forks the target, the scrape counter the two processes share, and pymalloc's figure.
#define _GNU_SOURCE 1  // accept4
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "CPythonShim.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

// Declared in CPython's internal pycore_pymem.h (which needs Py_BUILD_CORE); exported by libpython.
PyAPI_FUNC(int) _PyObject_DebugMallocStats(FILE *out);

static int out_of_the_way(int fd) {
    // As the control socket: the target's own files keep the numbers they would get under python3.
    static const int floors[] = {950, 200};
    for (size_t i = 0; i < sizeof floors / sizeof floors[0]; i++) {
        int moved = fcntl(fd, F_DUPFD_CLOEXEC, floors[i]);
        if (moved >= 0) {
            close(fd);
            return moved;
        }
    }
    return fd;
}

int pyi_metrics_listen(const char *host, int ipv6, int port) {
    if (port < 0 || port > 65535) {
        errno = EINVAL;
        return -1;
    }
    int fd = socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int one = 1;
    // A port left in TIME_WAIT by an earlier run is free to take again; one that something listens on is not.
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    int bound;
    if (ipv6) {
        struct sockaddr_in6 address;
        memset(&address, 0, sizeof address);
        address.sin6_family = AF_INET6;
        address.sin6_port = htons((uint16_t)port);
        (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        if (inet_pton(AF_INET6, host, &address.sin6_addr) != 1) {
            close(fd);
            errno = EINVAL;
            return -1;
        }
        bound = bind(fd, (struct sockaddr *)&address, sizeof address);
    } else {
        struct sockaddr_in address;
        memset(&address, 0, sizeof address);
        address.sin_family = AF_INET;
        address.sin_port = htons((uint16_t)port);
        if (inet_pton(AF_INET, host, &address.sin_addr) != 1) {
            close(fd);
            errno = EINVAL;
            return -1;
        }
        bound = bind(fd, (struct sockaddr *)&address, sizeof address);
    }
    if (bound != 0 || listen(fd, 16) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return out_of_the_way(fd);
}

int pyi_metrics_bound_port(int fd) {
    struct sockaddr_storage address;
    socklen_t length = sizeof address;
    if (getsockname(fd, (struct sockaddr *)&address, &length) != 0) return -1;
    if (address.ss_family == AF_INET) return ntohs(((struct sockaddr_in *)&address)->sin_port);
    if (address.ss_family == AF_INET6) return ntohs(((struct sockaddr_in6 *)&address)->sin6_port);
    return -1;
}

int pyi_metrics_accept(int fd) {
    for (;;) {
        int client = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
        if (client >= 0 || errno != EINTR) return client;
    }
}

uint64_t *pyi_metrics_shared_counter(void) {
    void *page = mmap(NULL, sizeof(uint64_t), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    return page == MAP_FAILED ? NULL : (uint64_t *)page;
}

void pyi_metrics_counter_add(uint64_t *counter, uint64_t amount) {
    if (counter) __atomic_add_fetch(counter, amount, __ATOMIC_RELAXED);
}

uint64_t pyi_metrics_counter_load(const uint64_t *counter) {
    return counter ? __atomic_load_n(counter, __ATOMIC_RELAXED) : 0;
}

long long pyi_metrics_pymalloc_bytes(void) {
    // CPython keeps no running total: its debug statistics walk the arenas and print the sum, with thousands
    // separators, on a line "# bytes in allocated blocks   =   1,234,567".
    char *text = NULL;
    size_t length = 0;
    FILE *stream = open_memstream(&text, &length);
    if (stream == NULL) return -1;
    int printed = _PyObject_DebugMallocStats(stream);
    fclose(stream);
    long long bytes = -1;
    const char *line = printed && text ? strstr(text, "# bytes in allocated blocks") : NULL;
    const char *equals = line ? strchr(line, '=') : NULL;
    if (equals) {
        bytes = 0;
        for (const char *c = equals + 1; *c && *c != '\n'; c++) {
            if (*c >= '0' && *c <= '9') bytes = bytes * 10 + (*c - '0');
        }
    }
    free(text);
    return bytes;
}
