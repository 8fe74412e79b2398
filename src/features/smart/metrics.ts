import type { SmartOutcome, SmartResult } from "../../observability/metric-names";

/** What the smart endpoint reports about the upstream; the metrics module implements it. */
export interface SmartMetrics {
  /** One upstream attempt ended, after `seconds`. */
  attempt(outcome: SmartOutcome, seconds: number): void;
  /** `count` hedges fired for one smart request. */
  hedgesFired(count: number): void;
  /** How one smart request ended. */
  response(result: SmartResult): void;
}

export const noSmartMetrics: SmartMetrics = {
  attempt: () => {},
  hedgesFired: () => {},
  response: () => {},
};
