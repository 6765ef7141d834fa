#!/usr/bin/env bash
# Builds the Lambda asset both functions deploy: the host published self-contained for linux-x64 with
# ReadyToRun (Native AOT is not available here), plus run.sh, the handler the Web Adapter starts.
#   bash cdk/build-lambda.sh [output-dir]      (default: artifacts/lambda, what the CDK app zips)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/artifacts/lambda}"

rm -rf "$out"
dotnet publish "$root/src/SseRx.Host/SseRx.Host.csproj" -c Release -r linux-x64 --self-contained true \
  -p:PublishReadyToRun=true -o "$out"
install -m 0755 "$root/cdk/lambda/run.sh" "$out/run.sh"
# Lambda runs what the zip marks executable; CDK keeps the mode bits when it zips the directory.
chmod 0755 "$out/SseRx.Host"
echo "Lambda asset: $out ($(du -sh "$out" | cut -f1))"
