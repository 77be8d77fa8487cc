/** An administrative penalty (Art. 9(5)) as an agency submits it, formed on `formedOn`, with its decision as evidence. */
export function penaltySubmission(reference: string, identityNumber: string, formedOn: string, details: Record<string, unknown> = { procedure: 'general' }) {
  return {
    reference,
    identityNumber,
    category: 'administrative',
    typeCode: 'administrative-penalty',
    formedOn,
    evidence: [{ kind: 'decision', ref: `decision ${reference}` }],
    details,
  };
}
