#!/usr/bin/env bash
# Make a PostgreSQL server answer on 127.0.0.1:5432 and print a URL for the tests.
# Uses the server that is already running where there is one; otherwise installs
# Debian's package and starts a cluster. Progress goes to stderr, the URL to stdout.
set -euo pipefail

if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  if psql -h 127.0.0.1 -U postgres -d test -Atc 'select 1' >/dev/null 2>&1; then
    echo "postgresql://postgres@127.0.0.1:5432/test"
    exit 0
  fi
fi

echo "No usable PostgreSQL on 127.0.0.1:5432: installing and starting one." >&2
if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
fi
version=$(ls /etc/postgresql | sort -V | tail -n 1)
if [ -z "$version" ]; then
  echo "PostgreSQL installed but no cluster found under /etc/postgresql" >&2
  exit 1
fi
pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 || true
for _ in $(seq 1 60); do
  pg_isready -q -h 127.0.0.1 -p 5432 && break
  sleep 1
done
pg_isready -h 127.0.0.1 -p 5432 >&2
# A fresh cluster asks for passwords over TCP: give the postgres role one, and a test database.
su postgres -c "psql -q -c \"ALTER ROLE postgres PASSWORD 'postgres'\"" >&2
su postgres -c "psql -Atc \"SELECT 1 FROM pg_database WHERE datname = 'test'\"" | grep -q 1 \
  || su postgres -c "createdb test" >&2
echo "postgresql://postgres:postgres@127.0.0.1:5432/test"
