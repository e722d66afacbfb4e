# Sourced by ./cloudtui and scripts/test: sets JAVA_HOME to a JDK >= 21 or fails with a hint.
# Order: $JAVA_HOME, `java` on PATH, then /usr/lib/jvm/* (newest first).
# Also sets CLOUDTUI_JAVA_MAJOR (25) and CLOUDTUI_JAVA_VERSION (25.0.3).

# cloudtui_java_version HOME: sets cloudtui_v to HOME's Java version ("25.0.3", "1.8.0_402"), or
# empty. Read from HOME/release (every JDK since 9 has one) without starting a JVM; only a JDK
# without that file is asked (java -XshowSettings, which costs a JVM start).
cloudtui_java_version() {
  local line
  cloudtui_v=
  if [ -r "$1/release" ]; then
    while IFS= read -r line || [ -n "$line" ]; do
      case $line in
        JAVA_VERSION=*) line=${line#JAVA_VERSION=}; line=${line//\"/}; cloudtui_v=${line%%[[:space:]]*}; break ;;
      esac
    done <"$1/release"
  fi
  if [ -z "$cloudtui_v" ]; then
    cloudtui_v=$("$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.version = //p' | head -n 1)
  fi
}

# cloudtui_major_of VERSION: sets cloudtui_m to the major number of VERSION (empty if there is none).
cloudtui_major_of() {
  local v=$1
  case $v in 1.*) v=${v#1.} ;; esac
  v=${v%%[!0-9]*}
  cloudtui_m=$v
}

# cloudtui_try_jdk HOME [build]: succeeds (and sets JAVA_HOME) if HOME is a JDK >= 21 (with javac for a build).
cloudtui_try_jdk() {
  [ -x "$1/bin/java" ] || return 1
  cloudtui_java_version "$1"
  cloudtui_major_of "$cloudtui_v"
  [ -n "$cloudtui_m" ] && [ "$cloudtui_m" -ge 21 ] 2>/dev/null || return 1
  # Building needs javac too; running needs only java.
  if [ "${2:-run}" = build ] && [ ! -x "$1/bin/javac" ]; then return 1; fi
  JAVA_HOME="$1"; CLOUDTUI_JAVA_MAJOR="$cloudtui_m"; CLOUDTUI_JAVA_VERSION="$cloudtui_v"; export JAVA_HOME
}

cloudtui_find_jdk() {
  local cand java
  # candidates are tried in order, each found only when the ones before it failed
  if [ -n "${JAVA_HOME:-}" ] && cloudtui_try_jdk "$JAVA_HOME" "${1:-run}"; then return 0; fi
  if java=$(command -v java 2>/dev/null) && java=$(readlink -f "$java"); then
    java=${java%/*}   # .../bin
    if cloudtui_try_jdk "${java%/*}" "${1:-run}"; then return 0; fi
  fi
  for cand in $(printf "%s\n" /usr/lib/jvm/*/ | sort -rV); do
    if cloudtui_try_jdk "${cand%/}" "${1:-run}"; then return 0; fi
  done
  echo "cloudtui: no JDK >= 21 found (looked at \$JAVA_HOME, java on PATH, /usr/lib/jvm/*); install one, e.g. 'apt-get install openjdk-21-jdk' or Temurin 21+" >&2
  return 1
}
