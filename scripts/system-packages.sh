#!/usr/bin/env bash
# The system packages that `make test` (and `make pdf`) need and pip cannot install, installed when
# missing: as root, or with `sudo -n`; otherwise it stops at once and prints the one command to run.
#   scripts/system-packages.sh all   everything `make test` needs
#   scripts/system-packages.sh pdf   only the PDF edition's (TeX set, poppler-utils)
# Debian and Ubuntu only (apt-get). On other systems it checks the commands and names what is missing.
set -euo pipefail

group=${1:-all}
# Chromium for the browser tests (tests/test_browser.py, driven by the playwright package from PyPI,
# which cannot download browsers here) and linkchecker for the internal links of the built HTML
# (tests/test_built_book.py).
browser_packages=(chromium linkchecker)
# The W3C Nu HTML checker (tests/test_html_valid.py) runs with Java: machines of this kind come with
# it, a bare Debian gets the headless runtime.
if ! command -v java >/dev/null; then
    browser_packages+=(default-jre-headless)
fi
# The PDF edition builds with xelatex (STACK-NOTES.md); tests/test_pdf.py reads the PDF back with
# pdftotext and pdfimages (poppler-utils).
pdf_packages=(texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended texlive-xetex
              latexmk lmodern fonts-freefont-otf tex-gyre poppler-utils)
# What the same packages provide, for systems without dpkg.
browser_commands=(chromium linkchecker java npm)
pdf_commands=(xelatex latexmk pdftotext pdfimages)

case "$group" in
    all) packages=("${browser_packages[@]}" "${pdf_packages[@]}")
         commands=("${browser_commands[@]}" "${pdf_commands[@]}") ;;
    pdf) packages=("${pdf_packages[@]}"); commands=("${pdf_commands[@]}") ;;
    *) echo "usage: $0 [all|pdf]" >&2; exit 2 ;;
esac

if ! command -v dpkg-query >/dev/null || ! command -v apt-get >/dev/null; then
    missing=()
    for command in "${commands[@]}"; do
        if [ "$command" = chromium ]; then
            command -v chromium >/dev/null || command -v chromium-browser >/dev/null \
                || [ -n "${CHROMIUM:-}" ] || missing+=("chromium (or set CHROMIUM to a Chromium binary)")
        else
            command -v "$command" >/dev/null || missing+=("$command")
        fi
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        echo "make: not a Debian/Ubuntu system; install these with your package manager, then run make again: ${missing[*]}" >&2
        exit 1
    fi
    exit 0
fi

missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$package")
    fi
done
if [ "${#missing[@]}" -eq 0 ]; then
    echo "system packages: already installed: ${packages[*]}"
    exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
    if ! sudo -n true 2>/dev/null; then
        echo "make: missing Debian packages; install them, then run make again:" \
             "sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
        exit 1
    fi
    sudo_cmd=(sudo -n)
fi
echo "system packages: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
for command in "${commands[@]}"; do
    command -v "$command" >/dev/null || { echo "make: $command is still missing after apt-get install" >&2; exit 1; }
done
