#!/usr/bin/env bash
# A throwaway PostgreSQL server for the query tests: `start` prints the socket directory (also the data
# directory's parent), `stop DIR` stops it and removes everything. Runs the server as the unprivileged `postgres`
# user (Debian's package creates it) when started as root: PostgreSQL refuses to run as root. The server's output
# goes to files only: a caller reading this script's stdout/stderr to their end must not wait for the server.
set -euo pipefail
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$BIN/initdb" ] || { echo "postgres_server.sh: PostgreSQL is not installed (make deps installs it)" >&2; exit 2; }
as_server() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "${1:-}" in
  start)
    dir=$(mktemp -d /tmp/pyinspect-pg.XXXXXX)
    chmod 755 "$dir"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    as_server "$BIN/initdb" -D "$dir/data" -A trust -U pyinspect -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    as_server "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-k $dir -c listen_addresses= -c fsync=off -c max_connections=250" start </dev/null >"$dir/pg_ctl.log" 2>&1 \
      || { cat "$dir/pg_ctl.log" "$dir/server.log" >&2; exit 1; }
    echo "$dir"
    ;;
  stop)
    dir=${2:?stop needs the directory start printed}
    case "$dir" in /tmp/pyinspect-pg.*) ;; *) echo "postgres_server.sh: not a server directory: $dir" >&2; exit 2 ;; esac
    as_server "$BIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *) echo "usage: postgres_server.sh start | stop DIR" >&2; exit 2 ;;
esac
