/**
 * Worker-thread entry: computes factorials off the server's event loop.
 * A compiled executable must list this file as an extra entrypoint of `bun build --compile`.
 */
import { factorialDigits } from "./factorial";

export interface FactorialJob {
  id: number;
  n: number;
}

export type FactorialJobResult = { id: number; digits: string } | { id: number; error: string };

declare const self: Worker;

self.onmessage = (event: MessageEvent<FactorialJob>) => {
  const { id, n } = event.data;
  let result: FactorialJobResult;
  try {
    result = { id, digits: factorialDigits(n) };
  } catch (error) {
    result = { id, error: error instanceof Error ? error.message : String(error) };
  }
  self.postMessage(result);
};
