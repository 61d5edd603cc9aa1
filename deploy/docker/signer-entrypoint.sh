#!/bin/sh
# Local-stack signer start-up: on the first start, initialise a SoftHSM2 token in the
# mounted volume and generate the profile keys on it (private keys never leave it).
# Skipped when FLEETSIGN_SOFTHSM_INIT=0 (a real HSM is configured instead).
set -eu
if [ "${FLEETSIGN_SOFTHSM_INIT:-1}" = "1" ]; then
  dir=${FLEETSIGN_SOFTHSM_DIR:-/var/lib/fleetsign/softhsm}
  label=${FLEETSIGN_SOFTHSM_TOKEN:-fwsign}
  pin=$(cat "${FLEETSIGN_SOFTHSM_PIN_FILE:?set FLEETSIGN_SOFTHSM_PIN_FILE}")
  mkdir -p "$dir/tokens"
  export SOFTHSM2_CONF="$dir/softhsm2.conf"
  printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' "$dir" > "$SOFTHSM2_CONF"
  if ! softhsm2-util --show-slots | grep -q "Label:[[:space:]]*$label\$"; then
    softhsm2-util --init-token --free --label "$label" --so-pin "$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')" --pin "$pin" >/dev/null
    mod=/usr/lib/softhsm/libsofthsm2.so
    pkcs11-tool --module "$mod" --token-label "$label" --login --pin "$pin" --keypairgen --key-type rsa:3072 --label fw-rsa-3072 --id 01 >/dev/null
    pkcs11-tool --module "$mod" --token-label "$label" --login --pin "$pin" --keypairgen --key-type EC:prime256v1 --label fw-ec-p256 --id 02 >/dev/null
    pkcs11-tool --module "$mod" --token-label "$label" --login --pin "$pin" --keypairgen --key-type EC:prime256v1 --label fw-ec-p256-b --id 03 >/dev/null
    echo "signer: initialised SoftHSM2 token '$label' with keys fw-rsa-3072, fw-ec-p256, fw-ec-p256-b"
  fi
fi
exec "$@"
