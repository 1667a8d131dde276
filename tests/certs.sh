#!/bin/sh
# certs.sh DIR: test certificates made at run time with the openssl CLI (nothing is committed).
#   ca.pem/ca.key          test CA
#   server.pem/.key        signed by the CA for 127.0.0.1, ::1 and localhost
#   wronghost.pem/.key     signed by the CA for wrong.example
#   expired.pem/.key       signed by the CA for 127.0.0.1, valid 2020-01-01 .. 2021-01-01
#   unknown.pem/.key       for 127.0.0.1, signed by a CA nobody trusts
#   selfsigned.pem/.key    self-signed for 127.0.0.1
#   iponly.pem/.key        signed by the CA, only IP:127.0.0.1 (no DNS name; CN is not an address)
#   noip.pem/.key          signed by the CA, CN and DNS "127.0.0.1" and DNS:localhost, IP:127.0.0.2 only
#   server.der             server.pem in DER (the address-matcher's unit test)
set -eu
d=$1; mkdir -p "$d"; cd "$d"
[ -f selfsigned.pem ] && exit 0
q() { "$@" >/dev/null 2>&1; }
key() { q openssl ecparam -name prime256v1 -genkey -noout -out "$1"; }
key ca.key; key other-ca.key
q openssl req -x509 -new -key ca.key -subj "/CN=tgbot test CA" -days 3650 -out ca.pem \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
q openssl req -x509 -new -key other-ca.key -subj "/CN=unknown CA" -days 3650 -out other-ca.pem \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
leaf() { # name cn san cakey capem [startdate enddate]
    key "$1.key"
    q openssl req -new -key "$1.key" -subj "/CN=$2" -out "$1.csr"
    printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' "$3" > "$1.ext"
    if [ $# -ge 7 ]; then
        # openssl ca is the only OpenSSL 3.0 way to set an explicit validity window
        mkdir -p ca-db; : > ca-db/index.txt; echo 01 > ca-db/serial
        cat > ca-db/ca.cnf <<CNF
[ca]
default_ca=d
[d]
database=ca-db/index.txt
serial=ca-db/serial
new_certs_dir=ca-db
default_md=sha256
policy=p
unique_subject=no
[p]
commonName=supplied
CNF
        q openssl ca -batch -config ca-db/ca.cnf -cert "$5" -keyfile "$4" -in "$1.csr" -out "$1.pem" \
          -startdate "$6" -enddate "$7" -extfile "$1.ext" -notext
    else
        q openssl x509 -req -in "$1.csr" -CA "$5" -CAkey "$4" -CAcreateserial -days 825 -sha256 \
          -extfile "$1.ext" -out "$1.pem"
    fi
}
leaf server 127.0.0.1 "IP:127.0.0.1,IP:::1,DNS:localhost" ca.key ca.pem
leaf wronghost wrong.example "DNS:wrong.example" ca.key ca.pem
leaf expired 127.0.0.1 "IP:127.0.0.1,DNS:localhost" ca.key ca.pem 20200101000000Z 20210101000000Z
leaf unknown 127.0.0.1 "IP:127.0.0.1,DNS:localhost" other-ca.key other-ca.pem
# for https://127.0.0.1: the address only as an iPAddress name; and a certificate whose CN and DNS
# name would do for a name-matcher but whose iPAddress is another (so 127.0.0.1 must be refused)
leaf iponly "tgbot test by address" "IP:127.0.0.1" ca.key ca.pem
leaf noip 127.0.0.1 "DNS:localhost,DNS:127.0.0.1,IP:127.0.0.2" ca.key ca.pem
q openssl x509 -in server.pem -outform DER -out server.der
key selfsigned.key
q openssl req -x509 -new -key selfsigned.key -subj "/CN=127.0.0.1" -days 825 -out selfsigned.pem \
  -addext "subjectAltName=IP:127.0.0.1,DNS:localhost"
rm -f ./*.csr ./*.ext
