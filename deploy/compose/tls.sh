#!/bin/sh
# A local certificate authority and a certificate for the NATS server of docker-compose.yml
# (names: nats, localhost, 127.0.0.1). The CA is kept once made, so services keep trusting the
# server when its certificate is renewed (run again: a new server certificate, same CA).
#   deploy/compose/tls.sh <dir>     → <dir>/ca.pem, ca-key.pem, server.pem, server-key.pem
set -eu
dir="${1:?usage: deploy/compose/tls.sh <output dir>}"
umask 077
mkdir -p "$dir"
chmod 700 "$dir"
if [ ! -f "$dir/ca.pem" ] || [ ! -f "$dir/ca-key.pem" ]; then
  openssl req -x509 -newkey rsa:3072 -nodes -days 3650 -subj "/CN=Tenantlens local CA" \
    -keyout "$dir/ca-key.pem" -out "$dir/ca.pem" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
fi
openssl req -newkey rsa:3072 -nodes -subj "/CN=nats" \
  -keyout "$dir/server-key.pem" -out "$dir/server.csr" 2>/dev/null
printf '%s\n' "subjectAltName=DNS:nats,DNS:localhost,IP:127.0.0.1" "extendedKeyUsage=serverAuth" \
  "keyUsage=critical,digitalSignature,keyEncipherment" "basicConstraints=CA:FALSE" > "$dir/server.ext"
openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca-key.pem" -CAcreateserial \
  -days 825 -out "$dir/server.pem" -extfile "$dir/server.ext" 2>/dev/null
rm -f "$dir/server.csr" "$dir/server.ext" "$dir/ca.srl"
# The CA certificate is public (every service trusts it); the keys stay 0600.
chmod 644 "$dir/ca.pem" "$dir/server.pem"
