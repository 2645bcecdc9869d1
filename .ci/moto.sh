#!/usr/bin/env bash
# Starts and stops a local moto_server (an AWS emulator from PyPI) for the mstr-rest-aws
# round-trip tests.
#
#   eval "$(bash .ci/moto.sh start)"   # prints: export MSTR_REST_MOTO_ENDPOINT=http://127.0.0.1:PORT
#   MSTR_REST_REQUIRE_MOTO=1 cargo test -p mstr-rest-aws
#   bash .ci/moto.sh stop
#
# Only the export line goes to stdout; progress and pip output go to stderr, the server's
# own output to target/moto.log.
set -euo pipefail
cd "$(dirname "$0")/.."

MOTO_VERSION="5.2.5"
TARGET="target"
VENV="$TARGET/moto-venv"
PID_FILE="$TARGET/moto.pid"
PORT_FILE="$TARGET/moto.port"
LOG_FILE="$TARGET/moto.log"
WAIT_SECONDS=60

log() { echo "moto.sh: $*" >&2; }

running() {
  [[ -f "$PID_FILE" ]] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null
}

answers() {
  # any HTTP answer will do (curl without -f exits 0 on 4xx/5xx)
  curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$1/"
}

install() {
  mkdir -p "$TARGET"
  if [[ ! -x "$VENV/bin/python" ]]; then
    log "creating $VENV"
    python3 -m venv "$VENV" >&2
  fi
  # the marker names the pinned version, so bumping MOTO_VERSION reinstalls
  if [[ ! -f "$VENV/.moto-$MOTO_VERSION" ]]; then
    log "installing moto[server]==$MOTO_VERSION"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check "moto[server]==$MOTO_VERSION" >&2
    rm -f "$VENV"/.moto-*
    touch "$VENV/.moto-$MOTO_VERSION"
  fi
}

free_port() {
  "$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

start() {
  if running && [[ -f "$PORT_FILE" ]] && answers "$(cat "$PORT_FILE")"; then
    log "already running (pid $(cat "$PID_FILE"))"
    echo "export MSTR_REST_MOTO_ENDPOINT=http://127.0.0.1:$(cat "$PORT_FILE")"
    return
  fi
  install
  local port
  port="$(free_port)"
  # stdin, stdout and stderr detached: `$(bash .ci/moto.sh start)` must not wait for the server
  "$VENV/bin/moto_server" -H 127.0.0.1 -p "$port" </dev/null >"$LOG_FILE" 2>&1 &
  local pid=$!
  echo "$pid" >"$PID_FILE"
  echo "$port" >"$PORT_FILE"
  local deadline=$((SECONDS + WAIT_SECONDS))
  until answers "$port"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      log "moto_server exited; its log ($LOG_FILE):"
      cat "$LOG_FILE" >&2
      rm -f "$PID_FILE" "$PORT_FILE"
      exit 1
    fi
    if ((SECONDS >= deadline)); then
      log "moto_server did not answer on port $port within ${WAIT_SECONDS}s"
      stop
      exit 1
    fi
    sleep 0.2
  done
  log "moto_server $MOTO_VERSION listening on 127.0.0.1:$port (pid $pid)"
  echo "export MSTR_REST_MOTO_ENDPOINT=http://127.0.0.1:$port"
}

stop() {
  if running; then
    local pid
    pid="$(cat "$PID_FILE")"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
    log "stopped moto_server (pid $pid)"
  else
    log "moto_server is not running"
  fi
  rm -f "$PID_FILE" "$PORT_FILE"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *)
    echo "usage: bash .ci/moto.sh start|stop" >&2
    exit 2
    ;;
esac
