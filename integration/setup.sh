#!/usr/bin/env bash
# Builds the peers of the integration suite, once per CI run:
#   - Java Dubbo 3.3.6 and 2.7.23 peers (integration/java/peer, Maven; the local
#     Maven repository is reused between runs),
#   - dubbo-go v1.5.9 provider and consumer (integration/dubbogo-peer, its own Go module),
#   - dubbo2.js 2.3.9 client (integration/node, npm ci).
# Outputs: java/peer/target/<line>/, .build/dubbogo-{provider,consumer}, node/node_modules/.
# Installs Maven, a JDK or Node from Debian's packages only if they are missing.
set -euo pipefail
cd "$(dirname "$0")"
here=$(pwd)

need_apt=()
command -v java >/dev/null 2>&1 || need_apt+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || need_apt+=(maven)
command -v node >/dev/null 2>&1 || need_apt+=(nodejs)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
if [ ${#need_apt[@]} -gt 0 ]; then
	echo "== setup: installing ${need_apt[*]}"
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need_apt[@]}"
fi

echo "== setup: Java Dubbo peers"
for line in dubbo3 dubbo27; do
	# (Maven 3.8 prints colour resets even in batch mode: strip them.)
	(cd java/peer && mvn -B -q -P "$line" package dependency:build-classpath 2>&1 | sed 's/\x1b\[[0-9;]*m//g')
	test -s "java/peer/target/$line/classpath.txt"
done

echo "== setup: dubbo-go v1.5.9 peers"
mkdir -p .build
(cd dubbogo-peer && go build -o "$here/.build/dubbogo-provider" ./provider && go build -o "$here/.build/dubbogo-consumer" ./consumer)

echo "== setup: Node dubbo2.js peer"
(cd node && npm ci --no-audit --no-fund --loglevel=error)

echo "== setup: done"
