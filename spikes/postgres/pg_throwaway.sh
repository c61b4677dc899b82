#!/bin/sh
# A throw-away PostgreSQL in a temporary folder, reached only through a Unix socket in that folder.
#   sh pg_throwaway.sh start [DIR] [PORT]   |   sh pg_throwaway.sh stop [DIR]
# PostgreSQL refuses to run as root ("initdb: error: cannot be run as root"): as root, run it as the postgres
# user (Debian's package creates it) and give that user the folder.
set -eu
ACTION=${1:-start}; DIR=${2:-/tmp/pgspike}; PORT=${3:-55432}
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)   # Debian: /usr/lib/postgresql/<ver>/bin
[ -x "$BIN/initdb" ] || { echo "no PostgreSQL binaries (apt-get install postgresql)"; exit 1; }
if [ "$(id -u)" = 0 ]; then AS="runuser -u postgres --"; else AS=""; fi
if [ "$ACTION" = stop ]; then $AS "$BIN/pg_ctl" -D "$DIR/data" -m fast stop; exit; fi
mkdir -p "$DIR"; [ "$(id -u)" = 0 ] && chown postgres "$DIR"
[ -f "$DIR/data/PG_VERSION" ] || $AS "$BIN/initdb" -D "$DIR/data" -A trust -U postgres --no-sync >/dev/null
$AS "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/log" -w start \
  -o "-k $DIR -p $PORT -c listen_addresses='' -c fsync=off -c full_page_writes=off -c synchronous_commit=off"
echo "postgresql://postgres@/postgres?host=$DIR&port=$PORT"
