/**
 * Definitions of versions that never change once stored (an incentive version), each parsed and
 * checked once per process. One per kind, injected (ApiDependencies) like the read views.
 */
export class ParsedVersions<T> {
  private readonly parsed = new Map<string, T>();

  constructor(private readonly parse: (stored: unknown) => T) {}

  of(versionId: string, stored: unknown): T {
    let definition = this.parsed.get(versionId);
    if (definition === undefined) this.parsed.set(versionId, (definition = this.parse(stored)));
    return definition;
  }
}
