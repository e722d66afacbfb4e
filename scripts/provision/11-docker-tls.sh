#!/usr/bin/env bash
# TLS material for testing the Docker backend over tcp+TLS: a CA, a server certificate for
# 127.0.0.1/localhost and a client certificate, in docker's file names (ca.pem, cert.pem, key.pem).
# The tests put socat (TLS, client certificates required) in front of dockerd's unix socket.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
need=()
command -v socat >/dev/null || need+=(socat)
command -v openssl >/dev/null || need+=(openssl)
if [ ${#need[@]} -gt 0 ]; then apt-get install -y -qq "${need[@]}" >/dev/null; fi
dir=/var/lib/cloudtui-test/tls
[ -f "$dir/client/key.pem" ] && exit 0
tmp=$(mktemp -d)
cd "$tmp"
openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=cloudtui-test-ca" -keyout ca-key.pem -out ca.pem 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout server-key.pem -out server.csr 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 3650 -extfile server.ext -out server-cert.pem 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=client" -keyout client-key.pem -out client.csr 2>/dev/null
printf 'extendedKeyUsage=clientAuth\n' >client.ext
openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 3650 -extfile client.ext -out client-cert.pem 2>/dev/null
mkdir -p "$dir.new/server" "$dir.new/client"
cp ca.pem "$dir.new/server/ca.pem"; cp server-cert.pem "$dir.new/server/cert.pem"; cp server-key.pem "$dir.new/server/key.pem"
cp ca.pem "$dir.new/client/ca.pem"; cp client-cert.pem "$dir.new/client/cert.pem"; cp client-key.pem "$dir.new/client/key.pem"
chmod -R go-rwx "$dir.new"
rm -rf "$dir"; mv "$dir.new" "$dir"
rm -rf "$tmp"
