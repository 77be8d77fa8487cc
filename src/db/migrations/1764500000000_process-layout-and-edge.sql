-- Up Migration

-- A task is due when its SLA stage is: the inbox reads the stage's due time, which a calendar
-- change moves, instead of a copy taken when the task opened (kept for tasks opened before).
ALTER TABLE tasks ADD COLUMN sla_stage_key uuid REFERENCES sla_stages (stage_key);

-- Which worker scored a range of a full rescoring: ranges fan out across workers.
ALTER TABLE rescoring_ranges ADD COLUMN scored_by text;

-- Art. 8, 9: each record type lists the details a record of it carries (DetailField in
-- src/domain/record-types.ts); nothing else is taken, so a misspelt field is refused, not stored.
ALTER TABLE record_types ADD COLUMN details jsonb NOT NULL DEFAULT '[]';
UPDATE record_types t SET details = f.details::jsonb FROM (VALUES
  ('household-registration', '[{"name": "note", "kind": "text", "required": false, "description": "a remark of the sharer, without personal data"}]'),
  ('residence-permit', '[{"name": "validUntil", "kind": "date", "required": true, "description": "the last day the residence permit is valid"}, {"name": "note", "kind": "text", "required": false, "description": "a remark of the sharer, without personal data"}]'),
  ('civil-capacity', '[{"name": "capacity", "kind": "choice", "required": true, "choices": ["full", "limited", "none"], "description": "the civil capacity established"}, {"name": "note", "kind": "text", "required": false, "description": "a remark of the sharer, without personal data"}]'),
  ('honour-national', '[{"name": "title", "kind": "text", "required": false, "description": "the title of the honour"}, {"name": "awardedBy", "kind": "text", "required": false, "description": "who awarded it"}, {"name": "note", "kind": "text", "required": false, "description": "a remark of the sharer, without personal data"}]'),
  ('volunteering', '[{"name": "hours", "kind": "number", "required": true, "min": 0, "description": "verified volunteer service hours"}, {"name": "organisation", "kind": "text", "required": false, "description": "the organisation the service was for"}, {"name": "note", "kind": "text", "required": false, "description": "a remark of the sharer, without personal data"}]'),
  ('blood-donation', '[{"name": "millilitres", "kind": "integer", "required": false, "min": 0, "description": "the volume donated"}, {"name": "note", "kind": "text", "required": false, "description": "a remark of the sharer, without personal data"}]'),
  ('organ-donation', '[{"name": "note", "kind": "text", "required": false, "description": "a remark of the sharer, without personal data"}]'),
  ('charitable-donation', '[{"name": "amountYuan", "kind": "number", "required": true, "min": 0, "description": "the amount donated, in yuan"}, {"name": "recipient", "kind": "text", "required": false, "description": "the charity that received it"}, {"name": "note", "kind": "text", "required": false, "description": "a remark of the sharer, without personal data"}]'),
  ('emergency-rescue', '[{"name": "note", "kind": "text", "required": false, "description": "a remark of the sharer, without personal data"}]'),
  ('civilised-practice', '[{"name": "activity", "kind": "text", "required": false, "description": "the civilised-practice activity"}, {"name": "note", "kind": "text", "required": false, "description": "a remark of the sharer, without personal data"}]'),
  ('court-dishonest-debtor', '[{"name": "caseNumber", "kind": "text", "required": false, "description": "the case number at the court"}, {"name": "amountYuan", "kind": "number", "required": false, "min": 0, "description": "the amount owed under the judgment, in yuan"}, {"name": "note", "kind": "text", "required": false, "description": "a remark of the sharer, without personal data"}]'),
  ('criminal-conviction', '[{"name": "caseNumber", "kind": "text", "required": false, "description": "the case number at the court"}, {"name": "note", "kind": "text", "required": false, "description": "a remark of the sharer, without personal data"}]'),
  ('false-materials-public-order', '[{"name": "decisionNumber", "kind": "text", "required": false, "description": "the number of the decision or judgment that made the finding"}, {"name": "note", "kind": "text", "required": false, "description": "a remark of the sharer, without personal data"}]'),
  ('government-affairs-dishonesty', '[{"name": "decisionNumber", "kind": "text", "required": false, "description": "the number of the decision or judgment that made the finding"}, {"name": "note", "kind": "text", "required": false, "description": "a remark of the sharer, without personal data"}]'),
  ('registration', '[{"name": "decisionNumber", "kind": "text", "required": false, "description": "the number of the decision or judgment that made the finding"}, {"name": "note", "kind": "text", "required": false, "description": "a remark of the sharer, without personal data"}]'),
  ('administrative-licence', '[{"name": "decisionNumber", "kind": "text", "required": false, "description": "the number of the decision or judgment that made the finding"}, {"name": "note", "kind": "text", "required": false, "description": "a remark of the sharer, without personal data"}]'),
  ('false-materials-commitment', '[{"name": "decisionNumber", "kind": "text", "required": false, "description": "the number of the decision or judgment that made the finding"}, {"name": "note", "kind": "text", "required": false, "description": "a remark of the sharer, without personal data"}]'),
  ('administrative-penalty', '[{"name": "procedure", "kind": "choice", "required": true, "choices": ["general", "simple"], "description": "the procedure the penalty was imposed under (Art. 9(5) excludes the simple procedure)"}, {"name": "minorPromptlyRemedied", "kind": "boolean", "required": false, "description": "a minor violation whose harm was promptly and voluntarily removed or reduced (Art. 9(5) excludes it)"}, {"name": "amountYuan", "kind": "number", "required": false, "min": 0, "description": "the fine, in yuan"}, {"name": "decisionNumber", "kind": "text", "required": false, "description": "the number of the decision or judgment that made the finding"}, {"name": "note", "kind": "text", "required": false, "description": "a remark of the sharer, without personal data"}]'),
  ('administrative-enforcement', '[{"name": "decisionNumber", "kind": "text", "required": false, "description": "the number of the decision or judgment that made the finding"}, {"name": "amountYuan", "kind": "number", "required": false, "min": 0, "description": "the amount in yuan"}, {"name": "note", "kind": "text", "required": false, "description": "a remark of the sharer, without personal data"}]'),
  ('joint-reward-list', '[{"name": "listName", "kind": "text", "required": false, "description": "the joint reward list"}, {"name": "note", "kind": "text", "required": false, "description": "a remark of the sharer, without personal data"}]'),
  ('joint-punishment-list', '[{"name": "listName", "kind": "text", "required": false, "description": "the joint punishment list"}, {"name": "note", "kind": "text", "required": false, "description": "a remark of the sharer, without personal data"}]'),
  ('deregistration-to-evade-penalty', '[{"name": "decisionNumber", "kind": "text", "required": false, "description": "the number of the decision or judgment that made the finding"}, {"name": "note", "kind": "text", "required": false, "description": "a remark of the sharer, without personal data"}]'),
  ('market-ban', '[{"name": "decisionNumber", "kind": "text", "required": false, "description": "the number of the decision or judgment that made the finding"}, {"name": "bannedUntil", "kind": "date", "required": false, "description": "the last day of the ban"}, {"name": "note", "kind": "text", "required": false, "description": "a remark of the sharer, without personal data"}]'),
  ('illegal-fundraising', '[{"name": "caseNumber", "kind": "text", "required": false, "description": "the case number at the court"}, {"name": "amountYuan", "kind": "number", "required": false, "min": 0, "description": "the amount raised illegally, in yuan"}, {"name": "note", "kind": "text", "required": false, "description": "a remark of the sharer, without personal data"}]'),
  ('tax-refusal', '[{"name": "decisionNumber", "kind": "text", "required": false, "description": "the number of the decision or judgment that made the finding"}, {"name": "amountYuan", "kind": "number", "required": false, "min": 0, "description": "the tax refused, in yuan"}, {"name": "note", "kind": "text", "required": false, "description": "a remark of the sharer, without personal data"}]'),
  ('social-insurance-refusal', '[{"name": "decisionNumber", "kind": "text", "required": false, "description": "the number of the decision or judgment that made the finding"}, {"name": "amountYuan", "kind": "number", "required": false, "min": 0, "description": "the premiums refused, in yuan"}, {"name": "note", "kind": "text", "required": false, "description": "a remark of the sharer, without personal data"}]'),
  ('fee-refusal', '[{"name": "decisionNumber", "kind": "text", "required": false, "description": "the number of the decision or judgment that made the finding"}, {"name": "amountYuan", "kind": "number", "required": false, "min": 0, "description": "the fees or funds refused, in yuan"}, {"name": "note", "kind": "text", "required": false, "description": "a remark of the sharer, without personal data"}]'),
  ('exam-cheating', '[{"name": "examination", "kind": "text", "required": false, "description": "the examination"}, {"name": "decisionNumber", "kind": "text", "required": false, "description": "the number of the decision or judgment that made the finding"}, {"name": "note", "kind": "text", "required": false, "description": "a remark of the sharer, without personal data"}]'),
  ('research-fraud', '[{"name": "decisionNumber", "kind": "text", "required": false, "description": "the number of the decision or judgment that made the finding"}, {"name": "note", "kind": "text", "required": false, "description": "a remark of the sharer, without personal data"}]'),
  ('other-positive', '[{"name": "note", "kind": "text", "required": false, "description": "a remark of the sharer, without personal data"}]'),
  ('other-negative', '[{"name": "decisionNumber", "kind": "text", "required": false, "description": "the number of the decision or judgment that made the finding"}, {"name": "note", "kind": "text", "required": false, "description": "a remark of the sharer, without personal data"}]'),
  ('loan-repaid-on-time', '[{"name": "lender", "kind": "text", "required": false, "description": "the lender"}, {"name": "amountYuan", "kind": "number", "required": false, "min": 0, "description": "the loan, in yuan"}, {"name": "note", "kind": "text", "required": false, "description": "a remark of the sharer, without personal data"}]'),
  ('loan-overdue', '[{"name": "daysOverdue", "kind": "integer", "required": true, "min": 0, "description": "days the repayment is overdue"}, {"name": "lender", "kind": "text", "required": false, "description": "the lender"}, {"name": "settled", "kind": "boolean", "required": false, "description": "whether the overdue amount has been settled since"}, {"name": "amountYuan", "kind": "number", "required": false, "min": 0, "description": "the overdue amount, in yuan"}, {"name": "note", "kind": "text", "required": false, "description": "a remark of the sharer, without personal data"}]'),
  ('honour-provincial', '[{"name": "title", "kind": "text", "required": false, "description": "the title of the honour"}, {"name": "awardedBy", "kind": "text", "required": false, "description": "who awarded it"}, {"name": "note", "kind": "text", "required": false, "description": "a remark of the sharer, without personal data"}]'),
  ('honour-municipal', '[{"name": "title", "kind": "text", "required": false, "description": "the title of the honour"}, {"name": "awardedBy", "kind": "text", "required": false, "description": "who awarded it"}, {"name": "note", "kind": "text", "required": false, "description": "a remark of the sharer, without personal data"}]'),
  ('honour-district', '[{"name": "title", "kind": "text", "required": false, "description": "the title of the honour"}, {"name": "awardedBy", "kind": "text", "required": false, "description": "who awarded it"}, {"name": "note", "kind": "text", "required": false, "description": "a remark of the sharer, without personal data"}]')
) AS f (code, details) WHERE t.code = f.code;

-- Art. 22: the register of every query and use also keeps the reads it refused (a person asking
-- for another's objection, a sharer for another sharer's record): who asked, for what, and for
-- whose data when it is known.
ALTER TABLE query_log
  ADD COLUMN outcome text NOT NULL DEFAULT 'granted' CHECK (outcome IN ('granted', 'refused')),
  ADD COLUMN actor_agency text,
  ADD COLUMN subject text,
  ALTER COLUMN person_id DROP NOT NULL,
  ADD CONSTRAINT query_log_granted_names_person CHECK (outcome = 'refused' OR person_id IS NOT NULL);

-- Down Migration
ALTER TABLE query_log DROP CONSTRAINT query_log_granted_names_person, ALTER COLUMN person_id SET NOT NULL,
  DROP COLUMN subject, DROP COLUMN actor_agency, DROP COLUMN outcome;
ALTER TABLE record_types DROP COLUMN details;
ALTER TABLE rescoring_ranges DROP COLUMN scored_by;
ALTER TABLE tasks DROP COLUMN sla_stage_key;
