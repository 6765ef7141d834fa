#!/bin/sh
# The function handler. The Lambda Web Adapter's exec wrapper (AWS_LAMBDA_EXEC_WRAPPER=/opt/bootstrap)
# runs it instead of the managed runtime; Kestrel listens on $ASPNETCORE_URLS (port 8080) and the
# adapter extension forwards invocations once GET /health answers.
# The publish is a Native AOT binary (or, with the ReadyToRun fallback, a self-contained apphost): it runs directly,
# whatever runtime Lambda provides.
cd "${LAMBDA_TASK_ROOT:-$(dirname "$0")}" || exit 1
exec ./SseRx.Host
