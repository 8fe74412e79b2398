import { runSmartFaults, type SmartFaultOptions } from "./smart-faults";

/**
 * The smart fault run on its own, for runSmartFaultsInChild: it prints the report as one JSON
 * line and then simply returns, so the process ends only when nothing is left pending.
 */

const options = JSON.parse(process.argv[2] ?? "{}") as SmartFaultOptions;
const report = await runSmartFaults(options);
process.stdout.write(`${JSON.stringify(report)}\n`);
