#!/usr/bin/env bash
# Installs the latest stable Go into /usr/local/go, for cibuildwheel's
# manylinux containers (its before-all in pyproject.toml), which have none.
# macOS and Windows runners get Go from actions/setup-go instead. Needs curl.
set -euo pipefail
version=$(curl -fsSL 'https://go.dev/VERSION?m=text' | head -n 1)
case $(uname -m) in
    x86_64) arch=amd64 ;;
    aarch64) arch=arm64 ;;
    *) echo "ci-install-go.sh: unsupported machine $(uname -m)" >&2; exit 1 ;;
esac
curl -fsSL "https://go.dev/dl/$version.linux-$arch.tar.gz" | tar -C /usr/local -xz
/usr/local/go/bin/go version
