#!/bin/sh
# Compile TinyJob.java against the Flink wheels' jars into $SCURRY_HOME/usrlib/tiny-job.jar.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
python=${PYTHON:-python3}
lib=$("$python" -c 'import os, pyflink; print(os.path.join(os.path.dirname(pyflink.__file__), "lib"))')
usrlib=${SCURRY_USRLIB:-${SCURRY_HOME:-${XDG_DATA_HOME:-$HOME/.local/share}/scurry}/usrlib}
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
javac -d "$build" -cp "$lib/*" "$here/TinyJob.java"
mkdir -p "$usrlib"
jar cf "$usrlib/tiny-job.jar" -C "$build" .
echo "$usrlib/tiny-job.jar"
