import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * The custom search attributes supervisors filter on in the Temporal Web UI, e.g.
 * `CreditProcess="objection" AND SlaState="breached"`. Registered on the server at start-up.
 */
export const CreditProcess = defineSearchAttributeKey('CreditProcess', SearchAttributeType.KEYWORD);
export const SlaStage = defineSearchAttributeKey('SlaStage', SearchAttributeType.KEYWORD);
export const SlaDueAt = defineSearchAttributeKey('SlaDueAt', SearchAttributeType.DATETIME);
export const SlaState = defineSearchAttributeKey('SlaState', SearchAttributeType.KEYWORD);
export const Agency = defineSearchAttributeKey('Agency', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTES = [CreditProcess, SlaStage, SlaDueAt, SlaState, Agency];
