#!/bin/sh
# The function handler. The Lambda Web Adapter's exec wrapper (AWS_LAMBDA_EXEC_WRAPPER=/opt/bootstrap)
# runs it instead of the managed runtime; Kestrel listens on $ASPNETCORE_URLS (port 8080) and the
# adapter extension forwards invocations once GET /health answers.
# The publish is self-contained (.NET 10 is not the runtime Lambda provides), so the apphost runs directly.
cd "${LAMBDA_TASK_ROOT:-$(dirname "$0")}" || exit 1
exec ./SseRx.Host
