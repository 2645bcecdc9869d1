#!/usr/bin/env bash
# The Python package (crates/mstr-rest-python): builds it in the dev profile into a venv
# under target/, then runs its pytest suite against the mstr-emulator binary.
#
#   bash .ci/python.sh            # what .ci/run does (moto's endpoint from its environment)
#   bash .ci/python.sh -k push    # extra arguments go to pytest
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="target/py-venv"
REQUIREMENTS="crates/mstr-rest-python/requirements-test.txt"
log() { echo "python.sh: $*" >&2; }

if [[ ! -x "$VENV/bin/python" ]]; then
  log "creating $VENV"
  python3 -m venv "$VENV"
fi
# the marker is the requirements' checksum, so editing a pin reinstalls
marker="$VENV/.requirements-$(cksum < "$REQUIREMENTS" | cut -d' ' -f1)"
if [[ ! -f "$marker" ]]; then
  log "installing $REQUIREMENTS"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-input -r "$REQUIREMENTS"
  rm -f "$VENV"/.requirements-*
  touch "$marker"
fi

# the binaries the tests run: the emulator, and the mstr CLI as the Rust library's reference
cargo build -q -p mstr-rest-emulator --bin mstr-emulator -p mstr-rest-cli --bin mstr

log "maturin develop (dev profile)"
(
  cd crates/mstr-rest-python
  VIRTUAL_ENV="$PWD/../../$VENV" PATH="$PWD/../../$VENV/bin:$PATH" maturin develop -q
)

AWS_EC2_METADATA_DISABLED=true "$VENV/bin/python" -m pytest -q -p no:cacheprovider crates/mstr-rest-python/tests "$@"
