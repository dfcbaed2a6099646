#!/usr/bin/env bash
# Regenerates the simulators' TEST-ONLY PKI. These keys are committed on purpose
# and protect nothing: never trust "portalsync Test Root CA" outside tests.
# Usage: connectors/sim-kit/test-ca/make.sh   (overwrites the files beside it)
set -euo pipefail
cd "$(dirname "$0")"
# Fixed 20-year validity, backdated so simulated documents dated from 2025 on
# carry signing times inside every certificate's validity.
START=20250101000000Z
END=20450101000000Z
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export MSYS_NO_PATHCONV=1

export WORK
cat > root.cnf <<'CNF'
[ca]
default_ca = testca
[testca]
database = $ENV::WORK/index.txt
new_certs_dir = $ENV::WORK
serial = $ENV::WORK/serial
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
utf8 = yes
string_mask = utf8only
[any]
countryName = optional
stateOrProvinceName = optional
localityName = optional
organizationName = optional
title = optional
commonName = supplied
[req]
distinguished_name = dn
prompt = no
utf8 = yes
string_mask = utf8only
[dn]
C = VN
O = portalsync (TEST ONLY)
CN = portalsync Test Root CA
[v3_root]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[v3_issuing]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[v3_signer]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = emailProtection, 1.3.6.1.4.1.311.10.3.12
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
CNF

key() { openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null; }

# Root
key test-root-ca.key.pem
openssl req -new -sha256 -config root.cnf -key test-root-ca.key.pem -out "$WORK/root.csr"
issue() { # csr signing-key signing-cert(or -selfsign) extensions serial out
  : > "$WORK/index.txt"; echo "$5" > "$WORK/serial"
  if [ "$3" = "-selfsign" ]; then ca=(-selfsign); else ca=(-cert "$3"); fi
  openssl ca -batch -config root.cnf -notext -startdate "$START" -enddate "$END" -in "$1" -keyfile "$2" "${ca[@]}" \
    -extensions "$4" -out "$6" 2>/dev/null
}
issue "$WORK/root.csr" test-root-ca.key.pem -selfsign v3_root 5053524F4F5401 test-root-ca.cert.pem

# Intermediate
key test-issuing-ca.key.pem
openssl req -new -sha256 -utf8 -config root.cnf -key test-issuing-ca.key.pem -out "$WORK/issuing.csr" \
  -subj "/C=VN/O=portalsync (TEST ONLY)/CN=portalsync Test Issuing CA"
issue "$WORK/issuing.csr" test-root-ca.key.pem test-root-ca.cert.pem v3_issuing 5053495353554501 test-issuing-ca.cert.pem

signer() { # name serial subject
  key "test-$1.key.pem"
  openssl req -new -sha256 -utf8 -config root.cnf -key "test-$1.key.pem" -out "$WORK/$1.csr" -subj "$3"
  issue "$WORK/$1.csr" test-issuing-ca.key.pem test-issuing-ca.cert.pem v3_signer "$2" "test-$1.cert.pem"
}
# Leader (personal signature) and agency seal, as Vietnamese documents carry both.
signer leader 5053000001 "/C=VN/ST=Quảng Ngãi/L=Bình Sơn/O=UBND huyện Bình Sơn/title=Phó Chủ tịch/CN=Phạm Quang Sự"
signer seal   5053000002 "/C=VN/ST=Quảng Ngãi/L=Bình Sơn/O=UBND huyện Bình Sơn/CN=UBND huyện Bình Sơn"
signer clerk  5053000003 "/C=VN/ST=Quảng Ngãi/L=Bình Sơn/O=UBND huyện Bình Sơn/title=Chánh Văn phòng/CN=Nguyễn Thị Hoa"

cat test-issuing-ca.cert.pem test-root-ca.cert.pem > test-chain.pem
rm -f root.cnf
openssl verify -CAfile test-root-ca.cert.pem -untrusted test-issuing-ca.cert.pem test-leader.cert.pem test-seal.cert.pem test-clerk.cert.pem
