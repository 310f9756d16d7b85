# Sourced by .ci/run: a throwaway PostgreSQL cluster for the tests that need one (issue 14).
# `pg_start` installs Debian's `postgresql` package when no initdb is found, makes a cluster in
# a temporary folder owned by an unprivileged user (postgres refuses to run as root), starts it
# on a loopback port with its socket in that folder, creates the database `calaudit` and exports
# CALAUDIT_TEST_PG. `pg_stop` stops it and removes the folder; .ci/run calls it from a trap.
# Port: CALAUDIT_CI_PG_PORT, else 54329.

pg_start() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  fi
  PG_BIN=$bin
  local user=${SUDO_USER:-}
  if [ "$(id -u)" = 0 ]; then
    user=calaudit-ci
    id "$user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$user"
  else
    user=$(id -un)
  fi
  PG_USER=$user
  PG_DIR=$(mktemp -d /tmp/calaudit-pg.XXXXXX)
  chmod 755 "$PG_DIR"
  local port=${CALAUDIT_CI_PG_PORT:-54329}
  pg_as() {
    if [ "$(id -u)" = 0 ]; then
      # setpriv ships with util-linux (always there); no sudo needed.
      # From the cluster's folder: the checkout may not be readable by that user.
      (cd "$PG_DIR" && setpriv --reuid="$PG_USER" --regid="$(id -g "$PG_USER")" --clear-groups -- "$@")
    else
      "$@"
    fi
  }
  [ "$(id -u)" = 0 ] && chown "$PG_USER" "$PG_DIR"
  pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U calaudit --auth=trust -E UTF8 --no-locale >"$PG_DIR/initdb.log" 2>&1 \
    || { cat "$PG_DIR/initdb.log" >&2; return 1; }
  pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $PG_DIR -c fsync=off -c max_connections=200" start >/dev/null \
    || { cat "$PG_DIR/server.log" >&2; return 1; }
  pg_as "$PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U calaudit calaudit
  export CALAUDIT_TEST_PG="postgresql://calaudit@127.0.0.1:$port/calaudit"
  echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') for the tests at $CALAUDIT_TEST_PG"
}

pg_stop() {
  if [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR/data" ]; then
    pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  if [ -n "${PG_DIR:-}" ]; then rm -rf "$PG_DIR"; fi
}
