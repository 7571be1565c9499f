#!/usr/bin/env bash
# make-certs.sh: a self-signed CA and a serving certificate for regolite serve (local testing only).
#
#   deploy/make-certs.sh [OUT_DIR] [SERVICE] [NAMESPACE]
#
# Writes OUT_DIR/ca.crt, ca.key, tls.crt, tls.key (defaults: ./certs, regolite-webhook, regolite-system).
# The serving certificate names SERVICE.NAMESPACE.svc (what the API server dials), its longer and
# shorter forms, localhost and 127.0.0.1. Prints the caBundle (base64 of ca.crt) for the
# ValidatingWebhookConfiguration, and the kubectl command that makes the TLS Secret.
set -euo pipefail

out="${1:-certs}"
service="${2:-regolite-webhook}"
namespace="${3:-regolite-system}"
days="${DAYS:-365}"

command -v openssl >/dev/null || { echo "make-certs.sh: openssl is not installed" >&2; exit 1; }
mkdir -p "$out"
umask 077

openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days "$days" \
  -keyout "$out/ca.key" -out "$out/ca.crt" \
  -subj "/CN=regolite-webhook-ca" \
  -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null

openssl req -newkey rsa:2048 -nodes -sha256 \
  -keyout "$out/tls.key" -out "$out/tls.csr" \
  -subj "/CN=${service}.${namespace}.svc" 2>/dev/null

cat > "$out/tls.ext" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:${service},DNS:${service}.${namespace},DNS:${service}.${namespace}.svc,DNS:${service}.${namespace}.svc.cluster.local,DNS:localhost,IP:127.0.0.1
EXT

openssl x509 -req -sha256 -days "$days" -in "$out/tls.csr" \
  -CA "$out/ca.crt" -CAkey "$out/ca.key" -CAcreateserial \
  -extfile "$out/tls.ext" -out "$out/tls.crt" 2>/dev/null
rm -f "$out/tls.csr" "$out/tls.ext" "$out/ca.srl"
chmod 644 "$out/ca.crt" "$out/tls.crt"

openssl verify -CAfile "$out/ca.crt" "$out/tls.crt" >/dev/null

echo "wrote $out/ca.crt $out/ca.key $out/tls.crt $out/tls.key (for ${service}.${namespace}.svc)" >&2
echo "TLS secret:  kubectl -n ${namespace} create secret tls regolite-webhook-tls --cert=$out/tls.crt --key=$out/tls.key" >&2
echo "caBundle (put it in deploy/webhook.yaml, replacing CA_BUNDLE):" >&2
base64 < "$out/ca.crt" | tr -d '\n'
echo
