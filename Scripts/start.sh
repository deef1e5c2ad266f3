#!/usr/bin/env bash
# Makes workshop ready to use, and says what to type next: builds it optimised (release: reports on
# large captures are an order of magnitude faster than in a debug build), makes `workshop` callable
# by name (a link in a folder on PATH you can write, or the one line to add to your shell printed),
# warms the course's cache (the reference solutions built and measured), and starts the course:
# `workshop start` on a terminal (elsewhere it says what to type).
#
# Usage: bash Scripts/start.sh
#        bash Scripts/start.sh --link-only FOLDER   only link FOLDER/workshop (the tests use a debug build)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Links $1/workshop as `workshop` in the first folder of PATH among /usr/local/bin, ~/.local/bin and
# ~/bin that can be written; with none, in ~/.local/bin, printing the line that puts it on PATH.
link_workshop() {
  local bin=$1 folder chosen="" on_path=""
  for folder in /usr/local/bin "$HOME/.local/bin" "$HOME/bin"; do
    case ":$PATH:" in *":$folder:"*) ;; *) continue ;; esac
    if [[ -d $folder && -w $folder ]]; then
      chosen=$folder
      on_path=yes
      break
    fi
  done
  if [[ -z $chosen ]]; then
    chosen=$HOME/.local/bin
    mkdir -p "$chosen"
  fi
  local link=$chosen/workshop
  if [[ -e $link && ! -L $link ]]; then
    echo "$link exists and is not a link made by this script: it is left alone; run $bin/workshop instead." >&2
    return 0
  fi
  ln -sfn "$bin/workshop" "$link"
  echo "workshop is linked as $link."
  if [[ -z $on_path ]]; then
    echo "$chosen is not on your PATH: add this line to ~/.bashrc (or your shell's startup file), then open a new shell:"
    echo "  export PATH=\"$chosen:\$PATH\""
  fi
}

next_steps() {
  echo
  echo "What to type next:"
  echo "  workshop start       # the course on one screen: lessons, checks, hints"
  echo "or, from the shell:"
  echo "  workshop lesson 1    # read the first lesson"
  echo "  workshop check 1     # check the first exercise"
}

if [[ ${1:-} == --link-only ]]; then
  link_workshop "${2:?usage: Scripts/start.sh --link-only FOLDER}"
  next_steps
  exit 0
fi

bin=$(WORKSHOP_CONFIGURATION=release Scripts/bootstrap.sh)
link_workshop "$bin"
# The reference solutions, built and measured now, so that the first check is quick.
"$bin/workshop" prepare || echo "workshop: the course's cache was not warmed; the first check builds what it needs." >&2
if [[ -t 0 && -t 1 ]]; then
  exec "$bin/workshop" start
fi
next_steps
