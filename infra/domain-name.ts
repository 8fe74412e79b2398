// No imports: `make build` checks DOMAIN with this before it loads anything heavier.

export class DomainConfigError extends Error {
  override name = "DomainConfigError";
}

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** A fully qualified host name, lowercased, without a trailing dot; throws saying what is wrong. */
export function parseDomainName(input: string): string {
  const name = input.trim().toLowerCase().replace(/\.$/, "");
  const fail = (why: string): never => {
    throw new DomainConfigError(`DOMAIN "${input}" is not a valid domain name: ${why}`);
  };
  if (name === "") fail("it is empty");
  if (name.length > 253) fail("it is longer than 253 characters");
  const labels = name.split(".");
  if (labels.length < 2) fail("it needs at least two labels, such as api.example.com");
  if (labels.includes("")) fail("it has an empty label (two dots in a row, or a leading dot)");
  const bad = labels.find((label) => !LABEL.test(label));
  if (bad !== undefined) {
    fail(
      `label "${bad}" must be 1-63 letters, digits or hyphens, not starting or ending with a hyphen`,
    );
  }
  if (/^\d+$/.test(labels[labels.length - 1] ?? "")) fail("its last label is a number");
  return name;
}

export function zoneContains(zoneName: string, domain: string): boolean {
  return domain === zoneName || domain.endsWith(`.${zoneName}`);
}
