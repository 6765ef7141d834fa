#!/usr/bin/env bash
# Builds the Lambda asset both functions deploy: the host published as Native AOT for linux-x64 (one native
# binary, no .NET runtime needed), wwwroot and the settings, plus run.sh, the handler the Web Adapter starts.
#   bash cdk/build-lambda.sh [output-dir]      (default: artifacts/lambda, what the CDK app zips)
# Needs a C toolchain and zlib (Debian: clang or gcc, and zlib1g-dev; tests/run.sh installs them when missing).
# The binary needs glibc 2.34 at most when built on Debian 12, which Lambda's Amazon Linux 2023 runtimes provide.
#
# ReadyToRun fallback (a dependency that is not AOT-safe, or no C toolchain): self-contained, JIT with precompiled code:
#   SSERX_LAMBDA_BUILD=r2r bash cdk/build-lambda.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/artifacts/lambda}"
build="${SSERX_LAMBDA_BUILD:-aot}"

rm -rf "$out"
case "$build" in
  aot)
    # Debug symbols (SseRx.Host.dbg, about twice the binary) and XML docs stay out of the zip.
    dotnet publish "$root/src/SseRx.Host/SseRx.Host.csproj" -c Release -r linux-x64 -p:PublishAot=true \
      -p:CopyOutputSymbolsToPublishDirectory=false -p:PublishDocumentationFile=false \
      -p:PublishReferencesDocumentationFiles=false -o "$out" ;;
  r2r)
    dotnet publish "$root/src/SseRx.Host/SseRx.Host.csproj" -c Release -r linux-x64 -p:PublishAot=false \
      --self-contained true -p:PublishReadyToRun=true -o "$out" ;;
  *)
    echo "SSERX_LAMBDA_BUILD must be aot or r2r, not '$build'" >&2
    exit 2 ;;
esac
# Referenced projects' .pdb files are copied regardless; the zip has no use for them.
find "$out" -name '*.pdb' -delete
install -m 0755 "$root/cdk/lambda/run.sh" "$out/run.sh"
# Lambda runs what the zip marks executable; CDK keeps the mode bits when it zips the directory.
chmod 0755 "$out/SseRx.Host"
echo "Lambda asset ($build): $out ($(du -sh "$out" | cut -f1))"
