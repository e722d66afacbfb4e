# Sourced by ./cloudtui and scripts/test: sets JAVA_HOME to a JDK >= 21 or fails with a hint.
# Order: $JAVA_HOME, `java` on PATH, then /usr/lib/jvm/* (newest first).
cloudtui_java_major() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | head -n 1
}
cloudtui_find_jdk() {
  local cand candidates=() major
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  if command -v java >/dev/null 2>&1; then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
  fi
  for cand in $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -rV); do candidates+=("${cand%/}"); done
  for cand in "${candidates[@]}"; do
    [ -x "$cand/bin/java" ] || continue
    major=$(cloudtui_java_major "$cand")
    if [ -n "$major" ] && [ "${major%%.*}" -ge 21 ] 2>/dev/null; then
      # Building needs javac too; running needs only java.
      if [ "${1:-run}" = build ] && [ ! -x "$cand/bin/javac" ]; then continue; fi
      JAVA_HOME="$cand"; CLOUDTUI_JAVA_MAJOR="${major%%.*}"; export JAVA_HOME
      return 0
    fi
  done
  echo "cloudtui: no JDK >= 21 found (looked at \$JAVA_HOME, java on PATH, /usr/lib/jvm/*); install one, e.g. 'apt-get install openjdk-21-jdk' or Temurin 21+" >&2
  return 1
}
