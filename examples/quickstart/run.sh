#!/usr/bin/env bash
# Quick start: build git-ml, then version a file and a directory in a throwaway repository.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

echo "== building git-ml"
dotnet build "$root/src/GitMl.Cli" -c Release -o "$root/.tools/git-ml" --nologo -v quiet >/dev/null
export PATH="$root/.tools/git-ml:$PATH"

work="$(mktemp -d -t gitml-quickstart-XXXXXX)"
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
cd "$work"
git init -q -b main .
git config user.name "Quick Start"
git config user.email "quickstart@example.invalid"

echo "== git ml init"
git ml init
git ml --version
echo "(the data path commands arrive with issue #2)"

echo "== a directory remote: the quick start's default remote, no server needed"
remote_dir="$(mktemp -d -t gitml-quickstart-remote-XXXXXX)"
trap 'chmod -R u+w "$work" "$remote_dir" 2>/dev/null; rm -rf "$work" "$remote_dir"' EXIT
git ml remote add -d storage "$remote_dir"
git ml remote list
git ml push
git ml status --cloud
git ml fsck
