#!/usr/bin/env bash
# make install: everything the Retail Connector needs, on a Debian 12 (or
# similar) machine with PostgreSQL, run as root or as a sudoer.
#
#   make install ODOO_SRC=/path/to/odoo            a checkout or an extracted source
#   make install ODOO_SRC=/path/odoo_18.0.latest.tar.gz   or .zip, a path or a URL
#   make install                                   when Odoo 18.0 is already installed
#
# Steps: Debian packages, Odoo 18.0 from ODOO_SRC, Odoo's Python requirements,
# Odoo itself (editable), our requirements and npm tooling, the gevent snags,
# PostgreSQL, then a few checks. Each step checks first and does nothing when
# its work is already done, so a second run takes seconds.
#
# Environment: PYTHON (default python3), ODOO_SRC, and INSTALL_DRY_RUN=1 to
# fetch and unpack ODOO_SRC under .odoo/, check everything and show each
# command that would change the machine without running it.
#
# Nothing here knows where Odoo lives: once installed, it is found through the
# `odoo` package of $PYTHON.
set -euo pipefail

CALLER_DIR="$PWD"
cd "$(dirname "$0")/.."
REPO_ROOT="$PWD"

PYTHON="${PYTHON:-python3}"
ODOO_SRC="${ODOO_SRC:-}"
DRY_RUN="${INSTALL_DRY_RUN:-0}"
[ "$DRY_RUN" = 0 ] && DRY_RUN=""
# Downloads and unpacked archives; ignored by git.
WORK_DIR="$REPO_ROOT/.odoo"

# What Odoo's pinned requirements build against (psycopg2, python-ldap, lxml,
# Pillow, ... from source where no wheel fits).
BUILD_PACKAGES=(libpq-dev libldap2-dev libsasl2-dev libxml2-dev libxslt1-dev
    libjpeg-dev zlib1g-dev libffi-dev build-essential)

# pip quietly about itself; as root on purpose (make install is run as root).
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore

# Set by resolve_odoo_source: the folder holding setup.py and odoo/release.py,
# empty when Odoo is already installed and ODOO_SRC was not given.
ODOO_DIR=""
FAILED=()

# --- output and helpers -------------------------------------------------------

step() { printf '\n== %s\n' "$*"; }
say() { printf '   %s\n' "$*"; }
done_already() { printf '   already done: %s\n' "$*"; }
die() {
    printf '\nmake install: %s\n' "$*" >&2
    exit 1
}

# A command that changes the machine: shown, and only shown in a dry run.
run() {
    printf '   + %s\n' "$*"
    [ -n "$DRY_RUN" ] && return 0
    "$@"
}

is_root() { [ "$(id -u)" = 0 ]; }

# System changes need root: run as is when root, through sudo otherwise.
as_root() {
    if is_root; then
        run "$@"
    elif command -v sudo >/dev/null 2>&1; then
        run sudo "$@"
    else
        die "not root and no sudo: run '$*' as root, then make install again"
    fi
}

have() { command -v "$1" >/dev/null 2>&1; }

chromium_command() {
    local name
    for name in chromium chromium-browser google-chrome google-chrome-stable; do
        if have "$name"; then
            echo "$name"
            return 0
        fi
    done
    return 1
}

pip() { "$PYTHON" -m pip "$@"; }
PIP=("$PYTHON" -m pip)

# True when `pip install --dry-run ARGS` has something to install; prints it.
# A dry run that fails (a requirement not yet buildable, no index) counts as
# something to install: the real install then says what is wrong.
pip_would_install() {
    local out
    if ! out="$(pip install --dry-run "$@" 2>&1)"; then
        say "pip's dry run did not resolve: installing"
        return 0
    fi
    if grep -q '^Would install' <<<"$out"; then
        say "$(grep '^Would install' <<<"$out")"
        return 0
    fi
    return 1
}

in_venv() { "$PYTHON" -c 'import sys; sys.exit(sys.prefix == sys.base_prefix)'; }

# Debian's own python3 (not a venv of it, nor pyenv's or a self-built one).
is_debian_python() {
    [ "$("$PYTHON" -c 'import sys; print(sys.base_prefix)' 2>/dev/null)" = /usr ]
}

# --- 1. Debian packages -------------------------------------------------------

missing_debian_packages() {
    local pkg
    for pkg in "${BUILD_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' \
            || echo "$pkg"
    done
    # Odoo's browser tours in make test.
    chromium_command >/dev/null || echo chromium
    # make lint (prettier); an existing Node.js from elsewhere is fine.
    have node || have nodejs || echo nodejs
    have npm || echo npm
    if is_debian_python; then
        # Debian's python3 comes without pip and without the headers that
        # psycopg2 and python-ldap compile against.
        in_venv || "$PYTHON" -m pip --version >/dev/null 2>&1 || echo python3-pip
        "$PYTHON" -c 'import os, sys, sysconfig
sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' \
            || echo python3-dev
    fi
}

install_debian_packages() {
    step "Debian packages"
    if ! have apt-get; then
        say "no apt-get: not a Debian-like system, skipping. Install by hand the"
        say "equivalents of: ${BUILD_PACKAGES[*]} chromium nodejs npm"
        return 0
    fi
    local missing
    mapfile -t missing < <(missing_debian_packages)
    if [ "${#missing[@]}" = 0 ]; then
        done_already "build libraries, chromium, node and npm are installed"
        return 0
    fi
    say "missing: ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
}

# --- pip itself -------------------------------------------------------------

prepare_pip() {
    if ! "$PYTHON" -m pip --version >/dev/null 2>&1; then
        [ -n "$DRY_RUN" ] && return 0
        die "$PYTHON has no pip; install it (python3-pip on Debian) or use a venv"
    fi
    # Debian's python3 refuses pip installs outside a venv (PEP 668). make demo
    # and make test run this same Python, so install into it (root's pip puts
    # its packages in /usr/local, next to Debian's, not over them).
    local stdlib
    stdlib="$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_path("stdlib"))')"
    if ! in_venv && [ -f "$stdlib/EXTERNALLY-MANAGED" ]; then
        say "$PYTHON is managed by Debian (PEP 668): pip runs with --break-system-packages."
        say "To keep it untouched, use a venv: python3 -m venv ~/venv-odoo, then"
        say "make install PYTHON=~/venv-odoo/bin/python (and the same PYTHON= for make demo/test)."
        export PIP_BREAK_SYSTEM_PACKAGES=1
    fi
}

# --- 2. Odoo's source -----------------------------------------------------------

odoo_18_importable() {
    "$PYTHON" -c "import odoo; assert odoo.release.serie == '18.0'" >/dev/null 2>&1
}

odoo_location() {
    "$PYTHON" -c 'import odoo, os; print(odoo.release.version, os.path.dirname(odoo.__file__))' 2>/dev/null
}

abs_path() {
    case "$1" in
        /*) echo "$1" ;;
        *) echo "$CALLER_DIR/$1" ;;
    esac
}

# "odoo_18.0.latest.tar.gz" -> "odoo_18.0.latest"
archive_stem() {
    local name ext
    name="$(basename "$1")"
    name="${name%%\?*}"
    for ext in .tar.gz .tgz .tar.xz .txz .tar.bz2 .tbz2 .tar .zip; do
        if [[ "$name" == *"$ext" ]]; then
            echo "${name%"$ext"}"
            return 0
        fi
    done
    echo "$name"
}

# Download URL into .odoo/downloads once; a later run reuses the file (delete
# it to fetch a newer nightly). Sets ARCHIVE.
download_archive() {
    local url="$1" name part
    name="$(basename "${url%%\?*}")"
    [ -n "$name" ] || name="odoo-source.tar.gz"
    ARCHIVE="$WORK_DIR/downloads/$name"
    if [ -s "$ARCHIVE" ]; then
        done_already "downloaded $url (as $ARCHIVE; delete it to download again)"
        return 0
    fi
    mkdir -p "$WORK_DIR/downloads"
    part="$ARCHIVE.part"
    say "downloading $url"
    if have curl; then
        curl -fL --retry 3 --progress-bar -o "$part" "$url"
    else
        "$PYTHON" - "$url" "$part" <<'EOF'
import shutil, sys, urllib.request
with urllib.request.urlopen(sys.argv[1]) as response, open(sys.argv[2], "wb") as out:
    shutil.copyfileobj(response, out, 1 << 20)
EOF
    fi
    mv "$part" "$ARCHIVE"
}

# Unpack ARCHIVE into .odoo/<stem>/, unless that folder already holds this
# archive (same path, size and time). Unpacks beside it first, so an
# interrupted run never leaves a half folder that looks done. Sets EXTRACTED.
extract_archive() {
    local archive="$1" identity stamp tmp
    EXTRACTED="$WORK_DIR/$(archive_stem "$archive")"
    identity="$archive $(stat -c '%s %Y' "$archive")"
    stamp="$EXTRACTED/.unpacked-from"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$identity" ]; then
        done_already "unpacked $archive into $EXTRACTED"
        return 0
    fi
    say "unpacking $archive into $EXTRACTED"
    mkdir -p "$WORK_DIR"
    tmp="$EXTRACTED.unpacking"
    rm -rf "$tmp"
    mkdir -p "$tmp"
    "$PYTHON" - "$archive" "$tmp" <<'EOF'
import sys, tarfile, zipfile
archive, dest = sys.argv[1], sys.argv[2]
if zipfile.is_zipfile(archive):
    with zipfile.ZipFile(archive) as z:
        z.extractall(dest)
elif tarfile.is_tarfile(archive):
    with tarfile.open(archive) as t:
        # The "data" filter refuses absolute paths and links leaving dest.
        if hasattr(tarfile, "data_filter"):
            t.extractall(dest, filter="data")
        else:
            t.extractall(dest)
else:
    sys.exit(f"{archive} is neither a tar nor a zip archive")
EOF
    echo "$identity" >"$tmp/.unpacked-from"
    rm -rf "$EXTRACTED"
    mv "$tmp" "$EXTRACTED"
}

# The folder holding both setup.py and odoo/release.py: DIR itself or, for an
# archive with a top folder, one level down.
find_source_root() {
    local dir="$1" candidate
    for candidate in "$dir" "$dir"/*/; do
        candidate="${candidate%/}"
        if [ -f "$candidate/setup.py" ] && [ -f "$candidate/odoo/release.py" ]; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

# "18.0" from odoo/release.py's version_info, read without importing Odoo.
source_serie() {
    "$PYTHON" - "$1/odoo/release.py" <<'EOF'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
m = re.search(r"^version_info\s*=\s*\(\s*(\d+)\s*,\s*(\d+)", text, re.M)
print(f"{m[1]}.{m[2]}" if m else "unknown")
EOF
}

resolve_odoo_source() {
    step "Odoo 18.0 source"
    if [ -z "$ODOO_SRC" ]; then
        if odoo_18_importable; then
            done_already "Odoo $(odoo_location) is installed; ODOO_SRC not given, so"
            say "Odoo and its requirements are left as they are (pass ODOO_SRC to check them)."
            return 0
        fi
        die "Odoo 18.0 is not importable from $PYTHON. Say where its source is:
  make install ODOO_SRC=/path/to/odoo        (a checkout of the 18.0 branch, or an extracted source)
  make install ODOO_SRC=/path/to/odoo_18.0.latest.tar.gz   (Odoo's nightly source tarball, or a .zip)
  make install ODOO_SRC=https://.../odoo_18.0.latest.tar.gz"
    fi
    local dir
    case "$ODOO_SRC" in
        *://*)
            download_archive "$ODOO_SRC"
            extract_archive "$ARCHIVE"
            dir="$EXTRACTED"
            ;;
        *)
            dir="$(abs_path "$ODOO_SRC")"
            if [ -f "$dir" ]; then
                extract_archive "$dir"
                dir="$EXTRACTED"
            elif [ ! -d "$dir" ]; then
                die "ODOO_SRC=$ODOO_SRC is neither a folder, an archive nor a URL"
            fi
            ;;
    esac
    ODOO_DIR="$(find_source_root "$dir")" \
        || die "no folder holding both setup.py and odoo/release.py in $dir: is ODOO_SRC Odoo's source?"
    ODOO_DIR="$(cd "$ODOO_DIR" && pwd -P)"
    local serie
    serie="$(source_serie "$ODOO_DIR")"
    [ "$serie" = "18.0" ] \
        || die "$ODOO_DIR is Odoo $serie; the Retail Connector needs Odoo 18.0 Community"
    say "Odoo $serie source: $ODOO_DIR"
}

# --- 3. Odoo's Python requirements --------------------------------------------

install_odoo_requirements() {
    step "Odoo's Python requirements"
    local reqs="$WORK_DIR/odoo-requirements.txt"
    mkdir -p "$WORK_DIR"
    # cbor2 5.4.2 has no wheel for Python 3.11 and its sdist no longer builds;
    # 5.6.5 reads and writes the same format.
    sed -E 's/^cbor2==5\.4\.2([^0-9.]|$)/cbor2==5.6.5\1/' \
        "$ODOO_DIR/requirements.txt" >"$reqs"
    if ! pip_would_install --no-build-isolation -r "$reqs"; then
        done_already "every pin of $ODOO_DIR/requirements.txt is installed"
        return 0
    fi
    # The pins include old sdists (psycopg2 2.9.5, python-ldap, ofxparse,
    # vobject, rjsmin, docopt) that only build with setuptools < 70, and only
    # with the installed one: build isolation would fetch the newest.
    run "${PIP[@]}" install "setuptools<70" wheel
    run "${PIP[@]}" install --no-build-isolation -r "$reqs"
}

# --- 4. Odoo itself -------------------------------------------------------------

# True when `import odoo` finds DIR/odoo and pip knows the distribution (so
# that odoo-addon-queue-job's requirement on odoo is met).
odoo_installed_from() {
    "$PYTHON" - "$1" <<'EOF' >/dev/null 2>&1
import importlib.metadata, importlib.util, os, sys
spec = importlib.util.find_spec("odoo")
assert spec and spec.origin
here = os.path.realpath(os.path.dirname(spec.origin))
assert here == os.path.realpath(os.path.join(sys.argv[1], "odoo"))
importlib.metadata.version("odoo")
EOF
}

install_odoo() {
    step "Odoo (editable)"
    if odoo_installed_from "$ODOO_DIR"; then
        done_already "odoo imports from $ODOO_DIR"
        return 0
    fi
    # Compat mode puts the source folder on sys.path, so the odoo/addons
    # namespace that OCA wheels (odoo-addon-queue-job) install into
    # site-packages extends Odoo's own addons instead of hiding them.
    run "${PIP[@]}" install -e "$ODOO_DIR" --config-settings editable_mode=compat
}

# --- 6. our requirements and tooling --------------------------------------------

install_our_requirements() {
    step "Retail Connector requirements"
    if pip_would_install -r requirements.txt -r requirements-dev.txt; then
        run "${PIP[@]}" install -r requirements.txt -r requirements-dev.txt
    else
        done_already "requirements.txt and requirements-dev.txt are installed"
    fi
    if [ -d node_modules ]; then
        done_already "node_modules (prettier for make lint)"
    elif have npm; then
        run npm ci --no-audit --no-fund
    else
        say "no npm: skipping node_modules (make lint needs Node.js and npm)"
    fi
}

# --- 5. gevent's snags (Odoo's websocket process) ---------------------------------
# Run after every other pip install, so that nothing pulls a setuptools without
# pkg_resources back in afterwards.

fix_gevent() {
    step "gevent (Odoo's websocket process)"
    if ! pip_would_install "zope.interface<7" "zope.event<6" "setuptools>=75.8.2,<81"; then
        done_already "zope.interface<7, zope.event<6, setuptools>=75.8.2,<81"
        return 0
    fi
    # gevent 22.10 looks zope.* up by dotted distribution name.
    run "${PIP[@]}" install "zope.interface<7" "zope.event<6"
    # zope.event 5.1 pulls the newest setuptools, which (from 81 on) has no
    # pkg_resources, which gevent 22.10 imports; this goes last.
    run "${PIP[@]}" install "setuptools>=75.8.2,<81"
}

# --- 7. PostgreSQL ----------------------------------------------------------------

as_postgres() {
    if is_root; then
        run su postgres -c "$*"
    else
        run sudo -u postgres "$@"
    fi
}

setup_postgresql() {
    step "PostgreSQL"
    have pg_isready || die "no PostgreSQL client (pg_isready, psql): install PostgreSQL 13 or newer (apt-get install postgresql)"
    if pg_isready -q; then
        done_already "PostgreSQL accepts connections"
    elif have pg_lsclusters; then
        local version name _port status _rest
        while read -r version name _port status _rest; do
            [ "$status" = online ] || as_root pg_ctlcluster "$version" "$name" start
        done < <(pg_lsclusters --no-header)
        if [ -z "$DRY_RUN" ]; then
            for _ in $(seq 1 30); do
                pg_isready -q && break
                sleep 1
            done
            pg_isready -q || die "PostgreSQL does not accept connections after starting its clusters"
        fi
    else
        die "PostgreSQL is not running (pg_isready) and there is no pg_lsclusters to start it; start it first"
    fi
    # Odoo and the tests connect as the current user over the local socket.
    local me
    me="$(id -un)"
    if psql -d postgres -tAc 'SELECT 1' >/dev/null 2>&1; then
        done_already "PostgreSQL role $me"
    else
        say "no PostgreSQL role for $me: creating a superuser role (it creates and drops databases)"
        as_postgres createuser --superuser "$me"
    fi
}

# --- 8. checks --------------------------------------------------------------------

check() {
    local what="$1" out
    shift
    if out="$("$@" 2>/dev/null)"; then
        printf '   ok  %-9s %s\n' "$what" "$(head -1 <<<"$out")"
    else
        printf '   FAILED  %s\n' "$what"
        FAILED+=("$what")
    fi
}

final_checks() {
    step "Checks"
    check odoo odoo_location
    check gevent "$PYTHON" -W ignore -c \
        'from gevent import monkey; monkey.patch_all(); import gevent; print("gevent", gevent.__version__, "monkey-patches")'
    # Debian's chromium wrapper prints shell noise on stderr; only stdout counts.
    local chromium
    chromium="$(chromium_command || echo chromium)"
    check chromium "$chromium" --version
    check psql psql -d postgres -tAc "SELECT 'PostgreSQL ' || current_setting('server_version') || ' as ' || current_user"
    if [ "${#FAILED[@]}" != 0 ]; then
        [ -n "$DRY_RUN" ] && return 0
        die "failed checks: ${FAILED[*]}"
    fi
}

main() {
    local started=$SECONDS
    [ -n "$DRY_RUN" ] && say "INSTALL_DRY_RUN: commands that change the machine are shown, not run"
    install_debian_packages
    prepare_pip
    resolve_odoo_source
    if [ -n "$ODOO_DIR" ]; then
        install_odoo_requirements
        install_odoo
    fi
    install_our_requirements
    fix_gevent
    setup_postgresql
    final_checks
    printf '\nmake install: done in %ss\n' "$((SECONDS - started))"
}

# Sourcing the script (for its functions) runs nothing.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    main "$@"
fi
