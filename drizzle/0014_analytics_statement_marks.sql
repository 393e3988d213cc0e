-- Analytics marks per statement instead of per row (issue #13, docs/analytics.md). The row triggers of
-- 0009 appended one mark per written row, so deleting an org or purging a million messages wrote a
-- million marks in that transaction. These fire once per statement and append the DISTINCT buckets its
-- transition table touches, with the same meaning as 0009's. A trigger with transition tables may serve
-- only one event, hence one trigger per event. The rows a statement wrote are always the transition
-- table "changed" (the new rows of an INSERT or UPDATE, the old rows of a DELETE; an UPDATE's old rows
-- are "before_update"), so one function serves every table.
DROP TRIGGER "messages_analytics" ON "messages";
--> statement-breakpoint
DROP TRIGGER "conversations_analytics" ON "conversations";
--> statement-breakpoint
DROP TRIGGER "conversations_analytics_update" ON "conversations";
--> statement-breakpoint
DROP TRIGGER "conversations_analytics_visitor" ON "conversations";
--> statement-breakpoint
DROP TRIGGER "feedback_analytics" ON "feedback";
--> statement-breakpoint
DROP TRIGGER "leads_analytics" ON "leads";
--> statement-breakpoint
DROP TRIGGER "escalation_tickets_analytics" ON "escalation_tickets";
--> statement-breakpoint
DROP TRIGGER "usage_events_analytics" ON "usage_events";
--> statement-breakpoint
DROP FUNCTION "analytics_mark_row"();
--> statement-breakpoint
DROP FUNCTION "analytics_mark_message"();
--> statement-breakpoint
DROP FUNCTION "analytics_mark_returning_visitor"();
--> statement-breakpoint
CREATE FUNCTION "analytics_mark_rows"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO analytics_dirty (org_id, bot_id, bucket)
    SELECT DISTINCT org_id, bot_id, analytics_bucket(created_at) FROM changed WHERE bot_id IS NOT NULL;
  RETURN NULL;
END $$;
--> statement-breakpoint
-- An update marks the buckets of the rows before and after it.
CREATE FUNCTION "analytics_mark_updated_rows"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO analytics_dirty (org_id, bot_id, bucket)
    SELECT org_id, bot_id, analytics_bucket(created_at) FROM before_update WHERE bot_id IS NOT NULL
    UNION
    SELECT org_id, bot_id, analytics_bucket(created_at) FROM changed WHERE bot_id IS NOT NULL;
  RETURN NULL;
END $$;
--> statement-breakpoint
-- A message counts in its own bucket and in its conversation's (messages per conversation, first response).
-- PL/pgSQL plans these queries once per session with the row count of the first call's transition table,
-- so no plan may depend on it: a hash join planned for a bulk delete would scan every conversation on
-- each later one-row insert. OFFSET 0 keeps the lateral subqueries apart, each an index lookup per row.
CREATE FUNCTION "analytics_mark_messages"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO analytics_dirty (org_id, bot_id, bucket)
    SELECT org_id, bot_id, analytics_bucket(created_at) FROM changed
    UNION
    SELECT c.org_id, c.bot_id, analytics_bucket(c.created_at)
    FROM (SELECT DISTINCT conversation_id FROM changed) m,
      LATERAL (SELECT org_id, bot_id, created_at FROM conversations WHERE id = m.conversation_id OFFSET 0) c;
  RETURN NULL;
END $$;
--> statement-breakpoint
-- Only the columns a metric reads: a message's count and time updates stay free of marks. 0009 said so
-- in the trigger's WHEN, which a statement trigger cannot have. A row's two versions fall in one
-- partition when none of those columns changed; a version alone in its partition is marked. (Pairing
-- the versions by a join instead would, planned for a one-row first call, loop over both tables.)
CREATE FUNCTION "analytics_mark_conversation_updates"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO analytics_dirty (org_id, bot_id, bucket)
    SELECT DISTINCT org_id, bot_id, analytics_bucket(created_at)
    FROM (
      SELECT org_id, bot_id, created_at, count(*) OVER (PARTITION BY id, status, escalated_at, resolved_at,
        assignee_id, end_user_id, created_at) AS versions
      FROM (SELECT * FROM before_update UNION ALL SELECT * FROM changed) AS both_versions
    ) AS counted
    WHERE versions = 1 AND bot_id IS NOT NULL;
  RETURN NULL;
END $$;
--> statement-breakpoint
-- A new conversation of an identified visitor can end the durable resolution of their earlier ones.
CREATE FUNCTION "analytics_mark_returning_visitors"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO analytics_dirty (org_id, bot_id, bucket)
    SELECT DISTINCT c.org_id, c.bot_id, analytics_bucket(c.created_at)
    FROM (SELECT DISTINCT bot_id, end_user_id, created_at FROM changed WHERE end_user_id IS NOT NULL) n,
      LATERAL (SELECT org_id, bot_id, created_at FROM conversations
        WHERE bot_id = n.bot_id AND end_user_id = n.end_user_id AND created_at < n.created_at
          AND resolved_at >= n.created_at - interval '7 days' OFFSET 0) c;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "messages_analytics_insert" AFTER INSERT ON "messages" REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_messages();
--> statement-breakpoint
CREATE TRIGGER "messages_analytics_delete" AFTER DELETE ON "messages" REFERENCING OLD TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_messages();
--> statement-breakpoint
CREATE TRIGGER "conversations_analytics_insert" AFTER INSERT ON "conversations" REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_rows();
--> statement-breakpoint
CREATE TRIGGER "conversations_analytics_delete" AFTER DELETE ON "conversations" REFERENCING OLD TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_rows();
--> statement-breakpoint
CREATE TRIGGER "conversations_analytics_update" AFTER UPDATE ON "conversations"
  REFERENCING OLD TABLE AS before_update NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_conversation_updates();
--> statement-breakpoint
CREATE TRIGGER "conversations_analytics_visitor" AFTER INSERT ON "conversations" REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_returning_visitors();
--> statement-breakpoint
CREATE TRIGGER "feedback_analytics_insert" AFTER INSERT ON "feedback" REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_rows();
--> statement-breakpoint
CREATE TRIGGER "feedback_analytics_update" AFTER UPDATE ON "feedback"
  REFERENCING OLD TABLE AS before_update NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_updated_rows();
--> statement-breakpoint
CREATE TRIGGER "feedback_analytics_delete" AFTER DELETE ON "feedback" REFERENCING OLD TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_rows();
--> statement-breakpoint
CREATE TRIGGER "leads_analytics_insert" AFTER INSERT ON "leads" REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_rows();
--> statement-breakpoint
CREATE TRIGGER "leads_analytics_delete" AFTER DELETE ON "leads" REFERENCING OLD TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_rows();
--> statement-breakpoint
CREATE TRIGGER "escalation_tickets_analytics_insert" AFTER INSERT ON "escalation_tickets" REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_rows();
--> statement-breakpoint
CREATE TRIGGER "escalation_tickets_analytics_delete" AFTER DELETE ON "escalation_tickets" REFERENCING OLD TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_rows();
--> statement-breakpoint
CREATE TRIGGER "usage_events_analytics_insert" AFTER INSERT ON "usage_events" REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_rows();
--> statement-breakpoint
CREATE TRIGGER "usage_events_analytics_delete" AFTER DELETE ON "usage_events" REFERENCING OLD TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_rows();
