-- Up Migration
-- Issue 27 item 1: the rescoring requests of shares taken without a workflow are answered by one
-- listening activity (rescore-requests/{taskQueue}). A person whose scoring Postgres refuses for
-- good (a data error) is set aside with the reason, so the others are still answered; the request
-- stays unanswered, for supervisors to see, and is no longer taken up again and again.
ALTER TABLE rescore_requests ADD COLUMN set_aside text;
CREATE INDEX rescore_requests_to_answer ON rescore_requests (answered_by, requested_at) WHERE answered_at IS NULL AND set_aside IS NULL;

-- Down Migration
DROP INDEX rescore_requests_to_answer;
ALTER TABLE rescore_requests DROP COLUMN set_aside;
