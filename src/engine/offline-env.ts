// The engine is an offline studio tool: nothing may be written outside the output folder, the app's
// data folder and the OS temp folder. The bundled onnxruntime (1.30) carries Microsoft's 1DS
// telemetry SDK, which on the first session writes `~/.cache/Microsoft/DeveloperTools/.onnxruntime/
// onnxruntime.db` (+ -wal/-shm/-journal and a `deviceid` file), `/tmp/mat-debug-<pid>.log` (the
// SDK's "MAT" debug log, the string `mat-debug-` is in libonnxruntime.so) and `/tmp/.ses` (found
// with strace on `icm matte`). The library reads ORT_DISABLE_TELEMETRY from the process
// environment when it sets the telemetry up; with it set, none of those files is opened
// (strace-verified, tests/reliability/no-stray-writes.test.ts).
//
// Importing this module sets it. It must run in the MAIN thread before any onnxruntime session is
// created: a worker thread's process.env is a copy that native code does not see, so the service
// imports it before it starts its engine worker. Overridable only by setting it to "0" explicitly.
export const OFFLINE_ENV: Readonly<Record<string, string>> = { ORT_DISABLE_TELEMETRY: '1' };

export function applyOfflineEnv(): void {
  for (const [k, v] of Object.entries(OFFLINE_ENV)) if (process.env[k] !== '0') process.env[k] = v;
}

applyOfflineEnv();
