/**
 * Optional Python context: CPython's own exact factorial, and the seeds' Python stacks
 * answering `/time`. Used only when python3 and the packages are already importable.
 */
import { runCommand } from "./processes";

const CPYTHON_FACTORIAL = [
  "import math, sys, time",
  // Python 3.11+ refuses to print ints over 4300 digits unless told otherwise.
  "if hasattr(sys, 'set_int_max_str_digits'): sys.set_int_max_str_digits(0)",
  "t = time.perf_counter(); str(math.factorial(100000)); print(time.perf_counter() - t)",
].join("\n");

const CPYTHON_TIMEOUT_MS = 120_000;

/** Milliseconds CPython takes for `str(math.factorial(100000))`, or why it could not tell. */
export async function cpythonFactorialMs(
  python: string,
): Promise<{ ms: number } | { error: string }> {
  const run = await runCommand([python, "-c", CPYTHON_FACTORIAL], {
    timeoutMs: CPYTHON_TIMEOUT_MS,
  });
  const seconds = Number(run.stdout.trim());
  if (run.timedOut) return { error: `timed out after ${CPYTHON_TIMEOUT_MS / 1000} s` };
  if (run.exitCode !== 0 || run.stdout.trim() === "" || !Number.isFinite(seconds)) {
    return { error: `failed: ${run.stderr.trim().split("\n").at(-1)}` };
  }
  return { ms: seconds * 1_000 };
}

export async function pythonVersion(python: string): Promise<string> {
  const run = await runCommand([python, "--version"], { timeoutMs: 10_000 });
  return (run.stdout || run.stderr).trim();
}

export interface PythonPeer {
  name: string;
  modules: readonly string[];
  cmd: (python: string, port: number) => string[];
}

export function pythonPeers(appDir: string): PythonPeer[] {
  return [
    {
      name: "Flask under gunicorn (2 workers)",
      modules: ["flask", "gunicorn"],
      cmd: (python, port) => [
        python,
        "-m",
        "gunicorn",
        "--workers",
        "2",
        "--bind",
        `127.0.0.1:${port}`,
        "--chdir",
        appDir,
        "flask_app:app",
      ],
    },
    {
      name: "FastAPI under uvicorn",
      modules: ["fastapi", "uvicorn"],
      cmd: (python, port) => [
        python,
        "-m",
        "uvicorn",
        "--host",
        "127.0.0.1",
        "--port",
        String(port),
        "--app-dir",
        appDir,
        "fastapi_app:app",
      ],
    },
  ];
}

/** The first module python3 cannot import, or undefined when all import. */
export async function missingModule(
  python: string,
  modules: readonly string[],
): Promise<string | undefined> {
  for (const name of modules) {
    const check = await runCommand([python, "-c", `import ${name}`], { timeoutMs: 30_000 });
    if (check.exitCode !== 0) return name;
  }
  return undefined;
}
