/**
 * `make build DOMAIN=...` runs this first: an invalid name stops the build before Docker, AWS or
 * SST are touched. The deploy itself checks again, and finds the hosted zone, before any resource.
 */
import { DomainConfigError, parseDomainName } from "../infra/domain-name";

try {
  parseDomainName(process.argv[2] ?? "");
} catch (error) {
  if (!(error instanceof DomainConfigError)) throw error;
  process.stderr.write(`make build: ${error.message}\n`);
  process.exit(2);
}
