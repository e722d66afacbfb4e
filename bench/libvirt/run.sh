#!/usr/bin/env bash
# Libvirt benchmark: 50 defined + 5 running tiny guests (needs scripts/provision/30-libvirt.sh, root).
# Usage: bench/libvirt/run.sh   (builds target/cloudtui.jar if missing)
set -euo pipefail
cd "$(dirname "$0")/../.."
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
[ -f target/cloudtui.jar ] || ./mvnw -B -q package -DskipTests
exec "$JAVA_HOME/bin/java" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn --enable-native-access=ALL-UNNAMED \
  -cp target/cloudtui.jar bench/libvirt/LibvirtBench.java "$@"
